"""Images and DICOM: production PHI in synthetic DICOM headers; near-duplicate images.

Files are named by the table's image/dicom columns (paths relative to the table,
or absolute / s3:// locations). DICOM headers are read with pydicom (pixels not
needed for headers); a synthetic file leaks when a PHI tag carries a production
value: PatientID / OtherPatientIDs / PatientName / PatientAddress /
PatientTelephoneNumbers, or PatientBirthDate together with another matching tag.
Production values come from the production DICOM headers and from the production
table's identifiers. Images (PNG/JPEG, or DICOM pixel data) are compared by
perceptual hash (imagehash.phash, 64 bits); Hamming distance <= the threshold is a
near duplicate.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthaudit.leak.idindex import IdentifierIndex, canonical, digits_only
from synthaudit.leak.parts import DICOM_HEADER_PHI, IMAGE_NEAR_DUPLICATE, MAX_EXAMPLES, PartResult
from synthaudit.leak.readers import InputError, Provenance, Reader, sibling

PHI_TAGS = ("PatientName", "PatientID", "OtherPatientIDs", "PatientBirthDate", "PatientAddress",
            "PatientTelephoneNumbers", "PatientMotherBirthName", "MedicalRecordLocator")
STRONG_TAGS = ("PatientName", "PatientID", "OtherPatientIDs", "PatientAddress", "PatientTelephoneNumbers")


@dataclass(frozen=True)
class FileRef:
    row: int
    column: str
    location: str
    data: bytes | None
    provenance: Provenance | None
    error: str | None = None


def collect(table: pd.DataFrame, table_location: str, columns: list[str], reader: Reader) -> list[FileRef]:
    refs = []
    for col in columns:
        if col not in table.columns:
            continue
        for row, value in enumerate(table[col].tolist()):
            if not isinstance(value, str) or not value.strip():
                continue
            loc = sibling(table_location, value.strip())
            try:
                blob = reader.read_bytes(loc)
                refs.append(FileRef(row, col, loc, blob.data, blob.provenance))
            except Exception as exc:  # unreadable file: recorded, never fatal
                from synthaudit.aws.errors import classify_error
                reason = str(exc) if isinstance(exc, InputError) else classify_error(exc).reason
                refs.append(FileRef(row, col, loc, None, None, reason))
    return refs


def _tag_values(data: bytes) -> dict[str, list[str]]:
    import pydicom

    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)
    out = {}
    for tag in PHI_TAGS:
        value = ds.get(tag)
        if value in (None, ""):
            continue
        items = list(value) if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue" else [value]
        out[tag] = [str(v) for v in items if str(v).strip()]
    return out


def _canon(tag: str, value: str) -> set[str]:
    if tag in ("PatientName", "PatientMotherBirthName"):
        parts = [p for p in canonical("full_name", value.replace("^", " ")).split() if p]
        return {" ".join(parts), " ".join(reversed(parts))} if parts else set()
    if tag == "PatientBirthDate":
        return {digits_only(value)}
    text = " ".join(value.split()).casefold()
    return {text, digits_only(text)} - {""}


def dicom_header_phi(synthetic_files: list[FileRef], production_files: list[FileRef], index: IdentifierIndex,
                     production_birthdates: set[str]) -> PartResult:
    dicoms = [f for f in synthetic_files if f.data is not None]
    unreadable = [f for f in synthetic_files if f.data is None]
    if not synthetic_files:
        return DICOM_HEADER_PHI.not_assessed("no DICOM files referenced by the synthetic output (role dicom)")
    if not dicoms:
        return DICOM_HEADER_PHI.not_assessed(f"none of the {len(unreadable)} DICOM files could be read: "
                            f"{unreadable[0].error}")
    known: dict[str, set[str]] = {tag: set() for tag in PHI_TAGS}
    for f in production_files:
        if f.data is None:
            continue
        try:
            for tag, values in _tag_values(f.data).items():
                for v in values:
                    known[tag] |= _canon(tag, v)
        except Exception:
            continue
    names = set(index.values.get("full_name", {}))
    ids = set()
    for kind in ("mrn", "ssn", "other", "phone"):
        ids |= set(index.values.get(kind, {}))
    addresses = set(index.values.get("address", {}))
    leaks, parse_errors, examples = [], 0, []
    for f in dicoms:
        try:
            tags = _tag_values(f.data)
        except Exception:
            parse_errors += 1
            continue
        matched = []
        for tag, values in tags.items():
            forms = set().union(*(_canon(tag, v) for v in values)) if values else set()
            pool = set(known.get(tag, set()))
            if tag in ("PatientName", "PatientMotherBirthName"):
                pool |= names
            elif tag in ("PatientID", "OtherPatientIDs", "MedicalRecordLocator", "PatientTelephoneNumbers"):
                pool |= ids
            elif tag == "PatientAddress":
                pool |= addresses
            elif tag == "PatientBirthDate":
                pool |= production_birthdates
            if forms & pool:
                matched.append(tag)
        strong = [t for t in matched if t in STRONG_TAGS]
        if strong or ("PatientBirthDate" in matched and len(matched) >= 2):
            leaks.append(f)
            examples.append({"synthetic_row": f.row, "column": f.column, "file_sha256": f.provenance.sha256[:16],
                             "matching_tags": sorted(matched)})
    return DICOM_HEADER_PHI.result(
        "FAIL" if leaks else "PASS",
        metrics={"dicom_files": len(dicoms), "unreadable_files": len(unreadable), "not_dicom": parse_errors,
                 "files_with_production_phi": len(leaks), "production_dicom_files": sum(1 for f in production_files if f.data)},
        parameters={"phi_tags": list(PHI_TAGS), "strong_tags": list(STRONG_TAGS),
                    "rule": "a strong tag matches, or PatientBirthDate plus another tag",
                    "files": [f.provenance.to_dict() for f in dicoms][:200]},
        rows=tuple(sorted({f.row for f in leaks})), examples=tuple(examples[:MAX_EXAMPLES]),
    )


def _phash(data: bytes):
    import imagehash
    from PIL import Image

    if data[128:132] == b"DICM":
        import pydicom

        arr = pydicom.dcmread(io.BytesIO(data)).pixel_array.astype(float)
        span = float(arr.max() - arr.min()) or 1.0
        image = Image.fromarray(((arr - arr.min()) / span * 255).astype(np.uint8))
    else:
        image = Image.open(io.BytesIO(data))
        image.load()
    return imagehash.phash(image.convert("L"))


def image_near_duplicates(synthetic_files: list[FileRef], production_files: list[FileRef], max_distance: int) -> PartResult:
    if not synthetic_files:
        return IMAGE_NEAR_DUPLICATE.not_assessed("no image or DICOM files referenced by the synthetic output")
    prod_hashes = []
    for f in production_files:
        if f.data is None:
            continue
        try:
            prod_hashes.append((f, _phash(f.data)))
        except Exception:
            continue
    if not prod_hashes:
        return IMAGE_NEAR_DUPLICATE.not_assessed("no readable production image to compare with "
                            "(role image/dicom in the production sample)")
    prod_bits = np.array([h.hash.flatten() for _, h in prod_hashes], dtype=bool)
    hits, distances, unreadable, compared = [], [], 0, 0
    for f in synthetic_files:
        if f.data is None:
            unreadable += 1
            continue
        try:
            h = _phash(f.data)
        except Exception:
            unreadable += 1
            continue
        compared += 1
        dist = (prod_bits != h.hash.flatten()[None, :]).sum(axis=1)
        best = int(dist.argmin())
        distances.append(int(dist[best]))
        if dist[best] <= max_distance:
            pf = prod_hashes[best][0]
            hits.append({"synthetic_row": f.row, "column": f.column, "production_row": pf.row,
                         "hamming_distance": int(dist[best]), "file_sha256": f.provenance.sha256[:16]})
    if not compared:
        return IMAGE_NEAR_DUPLICATE.not_assessed(f"none of the {unreadable} synthetic images could be decoded")
    return IMAGE_NEAR_DUPLICATE.result(
        "FAIL" if hits else "PASS",
        metrics={"synthetic_images": compared, "unreadable": unreadable, "production_images": len(prod_hashes),
                 "near_duplicates": len(hits), "min_hamming_distance": min(distances)},
        parameters={"hash": "imagehash.phash (8x8 DCT, 64 bits) on greyscale", "max_hamming_distance": max_distance},
        rows=tuple(sorted({h["synthetic_row"] for h in hits})), examples=tuple(hits[:MAX_EXAMPLES]),
        arrays={"min_hamming": np.array(distances)},
    )
