"""The demo's leak-phase datasets: a production sample with PHI-shaped columns, its holdout,
a clean synthetic output and a leaky one with planted leaks (listed in tests/answer_keys/leak.yaml).

Everything is generated from fixed seeds (Faker + numpy), so the same bytes are
written every time. ``seed(endpoint_url)`` puts them into the simulated estate's
S3; ``write_local(folder)`` writes the same files to disk for fast tests.
``seeded_phi_values()`` lists the demo's PHI strings so tests and the evidence
helper can prove a run folder holds none of them. Only demo builders and tests
import this module; the kit never does.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from synthaudit.demo import ids

SEED = 20261125
N_PRODUCTION, N_HOLDOUT, N_SYNTHETIC = 400, 200, 300
N_IMAGES = 12
PREFIX = "cohort-2026q3"
PROD_KEY = f"{PREFIX}/patients.csv"
HOLDOUT_KEY = f"{PREFIX}/holdout.csv"
CLEAN_KEY = f"{PREFIX}/clean/patients.csv"
LEAKY_KEY = f"{PREFIX}/leaky/patients.csv"
ZIPS = [f"{z:05d}" for z in range(68101, 68131)]
RACES = ["white", "black", "asian", "hispanic", "other"]
DIAGNOSES = ["E11 diabetes", "I10 hypertension", "J45 asthma", "C50 breast cancer", "F32 depression",
             "N18 kidney disease", "I25 heart disease", "none"]
SYMPTOMS = ["mild fatigue", "intermittent headache", "improved sleep", "stable blood pressure",
            "reduced appetite", "no new complaints", "knee pain on exertion", "shortness of breath on stairs"]
CANARY_MRNS = ("MRN9900001", "MRN9900002")
CANARY_PATTERN = r"MRN99\d{5}"
COLUMNS = {
    "mrn": "direct_identifier", "ssn": "direct_identifier", "first_name": "direct_identifier",
    "last_name": "direct_identifier", "email": "direct_identifier", "phone": "direct_identifier",
    "address": "direct_identifier", "birth_date": "quasi_identifier", "zip": "quasi_identifier",
    "sex": "quasi_identifier", "race": "quasi_identifier", "diagnosis": "sensitive", "a1c": "sensitive",
    "bmi": "other", "systolic_bp": "other", "cholesterol": "other", "visits_last_year": "other", "smoker": "other",
    "note": "free_text", "image": "image", "dicom": "dicom",
}


@dataclass
class DemoData:
    production: pd.DataFrame
    holdout: pd.DataFrame
    clean: pd.DataFrame
    leaky: pd.DataFrame
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (bucket, key) -> bytes
    planted: dict[str, list[int]] = field(default_factory=dict)       # what -> leaky row positions


def _faker(seed: int):
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    return fake


def _phone(rng: np.random.Generator) -> str:
    return f"({rng.integers(2, 10)}{rng.integers(0, 10)}{rng.integers(0, 10)}) {rng.integers(2, 10)}{rng.integers(10, 100)}-{rng.integers(0, 10000):04d}"


def _people(n: int, seed: int, mrn_base: int) -> pd.DataFrame:
    fake, rng = _faker(seed), np.random.default_rng(seed)
    rows = []
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        rows.append({
            "mrn": f"MRN{mrn_base + i * 7 + int(rng.integers(0, 7)):07d}",
            "ssn": fake.ssn(), "first_name": first, "last_name": last,
            "email": f"{first.lower()}.{last.lower()}{int(rng.integers(10, 99))}@{fake.free_email_domain()}",
            "phone": _phone(rng), "address": fake.street_address(),
            "birth_date": (pd.Timestamp("1940-01-01") + pd.Timedelta(days=int(rng.integers(0, 365 * 65)))).strftime("%Y-%m-%d"),
            "zip": ZIPS[int(rng.integers(0, len(ZIPS)))], "sex": "F" if rng.random() < 0.52 else "M",
            "race": RACES[int(rng.choice(5, p=[0.6, 0.15, 0.1, 0.1, 0.05]))],
            "diagnosis": DIAGNOSES[int(rng.integers(0, len(DIAGNOSES)))],
            "a1c": round(float(np.clip(rng.normal(6.2, 1.1), 4.0, 13.0)), 1),
            "bmi": round(float(np.clip(rng.normal(28, 5), 15, 55)), 1),
            "systolic_bp": int(np.clip(rng.normal(128, 16), 85, 200)),
            "cholesterol": int(np.clip(rng.normal(195, 35), 110, 320)),
            "visits_last_year": int(rng.poisson(3)), "smoker": "yes" if rng.random() < 0.18 else "no",
        })
    return pd.DataFrame(rows)


def _note(rng: np.random.Generator) -> str:
    return (f"Follow-up visit: {SYMPTOMS[int(rng.integers(0, len(SYMPTOMS)))]}. "
            f"Plan: continue current therapy, review in {int(rng.integers(2, 13))} weeks.")


def _image(rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    small = rng.normal(128, 50, (8, 8)).clip(0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((64, 64), Image.BICUBIC), dtype=np.uint8)


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def _dicom(pixels: np.ndarray, name: str, patient_id: str, birth: str, sex: str, index: int) -> bytes:
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    uid, study, series = (generate_uid(prefix="1.2.826.0.1.3680043.10.999.", entropy_srcs=[name, patient_id, str(index), part])
                          for part in ("sop", "study", "series"))
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, uid
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = name, patient_id, birth, sex
    ds.Modality, ds.StudyInstanceUID, ds.SeriesInstanceUID = "OT", study, series
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = pixels.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _with_media(frame: pd.DataFrame, bucket: str, folder: str, rng: np.random.Generator,
                files: dict, dicom_header: callable, pixels_for: callable) -> pd.DataFrame:
    frame = frame.copy()
    frame["image"], frame["dicom"] = None, None
    for i in range(N_IMAGES):
        pixels = pixels_for(i, rng)
        frame.loc[i, "image"] = f"images/img{i:03d}.png"
        files[(bucket, f"{folder}/images/img{i:03d}.png")] = _png(pixels)
        name, pid, birth, sex = dicom_header(i)
        frame.loc[i, "dicom"] = f"dicom/img{i:03d}.dcm"
        files[(bucket, f"{folder}/dicom/img{i:03d}.dcm")] = _dicom(pixels, name, pid, birth, sex, i)
    return frame


def _fresh_synthetic(n: int, seed: int, production: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
    """Rows from an independent generator, with anything that matches production by chance removed."""
    pool = _people(n * 2, seed, mrn_base=5_000_000)
    real = pd.concat([production, holdout])
    names = set(zip(real.first_name.str.lower(), real.last_name.str.lower()))
    qis = set(zip(real.birth_date, real.zip, real.sex))
    ssns, phones = set(real.ssn), set(real.phone)
    keep = [i for i, r in enumerate(pool.itertuples(index=False))
            if (r.first_name.lower(), r.last_name.lower()) not in names and (r.birth_date, r.zip, r.sex) not in qis
            and r.ssn not in ssns and r.phone not in phones]
    out = pool.loc[keep[:n]].reset_index(drop=True)
    rng = np.random.default_rng(seed + 1)
    out["mrn"] = [f"SYN{i:07d}" for i in range(len(out))]
    out["note"] = [_note(rng) for _ in range(len(out))]
    return out


def generate(seed: int = SEED) -> DemoData:
    production = _people(N_PRODUCTION, seed, mrn_base=1_000_000)
    holdout = _people(N_HOLDOUT, seed + 7, mrn_base=3_000_000)
    # Two canary records planted in production before generation.
    for j, mrn in enumerate(CANARY_MRNS):
        production.loc[len(production) - 1 - j, ["mrn", "first_name", "last_name"]] = [mrn, "Quillon", f"Ferravane{j}"]
    files: dict[tuple[str, str], bytes] = {}
    rng = np.random.default_rng(seed + 3)
    prod_pixels = [_image(rng) for _ in range(N_IMAGES)]
    production = _with_media(
        production, ids.PROD_SAMPLES_BUCKET, PREFIX, rng, files,
        lambda i: (f"{production.last_name[i]}^{production.first_name[i]}", production.mrn[i],
                   production.birth_date[i].replace("-", ""), production.sex[i]),
        lambda i, _: prod_pixels[i])
    holdout["note"] = None
    production["note"] = [_note(np.random.default_rng(seed + 10 + i)) for i in range(len(production))]
    holdout["note"] = [_note(np.random.default_rng(seed + 5000 + i)) for i in range(len(holdout))]
    holdout["image"], holdout["dicom"] = None, None

    def synthetic_media(frame: pd.DataFrame, folder: str, copy_header_row: int | None, near_dup: int | None, s: int):
        r = np.random.default_rng(s)

        def header(i):
            if copy_header_row is not None and i == 3:
                p = production.loc[copy_header_row]
                return f"{p.last_name}^{p.first_name}", p.mrn, p.birth_date.replace("-", ""), p.sex
            return f"Synthetic^Patient{i:03d}", f"SYN-IMG-{i:04d}", "19700101", "O"

        def pixels(i, rr):
            if near_dup is not None and i == 5:
                noise = r.integers(-3, 4, prod_pixels[near_dup].shape)
                return np.clip(prod_pixels[near_dup].astype(int) + noise, 0, 255).astype(np.uint8)
            return _image(rr)

        return _with_media(frame, ids.SYNTH_OUTPUT_BUCKET, folder, r, files, header, pixels)

    clean = _fresh_synthetic(N_SYNTHETIC, seed + 1000, production, holdout)
    clean = synthetic_media(clean, f"{PREFIX}/clean", None, None, seed + 11)

    leaky = _fresh_synthetic(N_SYNTHETIC, seed + 2000, production, holdout)
    planted: dict[str, list[int]] = {}
    prng = np.random.default_rng(seed + 4)
    prod_rows = prng.permutation(N_PRODUCTION - 2)  # never the canaries
    take = iter(prod_rows.tolist())
    cols = [c for c in production.columns if c not in ("image", "dicom", "note")]
    # Exact copies (cosmetic changes only: case, whitespace, number formats).
    planted["exact_copies"] = [20, 21, 22, 23, 24]
    leaky["a1c"] = leaky["a1c"].astype(object)
    for pos in planted["exact_copies"]:
        src = production.loc[next(take)]
        for c in cols:
            leaky.loc[pos, c] = src[c]
        leaky.loc[pos, "last_name"] = f"  {str(src.last_name).upper()} "
        leaky.loc[pos, "a1c"] = f"{float(src.a1c):.2f}"
    # Near copies: production attributes slightly perturbed, fresh identifiers.
    planted["near_copies"] = [40, 41, 42, 43, 44]
    for pos in planted["near_copies"]:
        src = production.loc[next(take)]
        for c in ("birth_date", "zip", "sex", "race", "diagnosis", "smoker", "visits_last_year", "systolic_bp", "cholesterol"):
            leaky.loc[pos, c] = src[c]
        leaky.loc[pos, "a1c"] = round(float(src.a1c) + 0.1, 1)
        leaky.loc[pos, "bmi"] = round(float(src.bmi) + 0.3, 1)
    # QI replays: rare production QI combinations with otherwise synthetic attributes.
    planted["qi_replay"] = [60, 61, 62, 63, 64, 65]
    for pos in planted["qi_replay"]:
        src = production.loc[next(take)]
        for c in ("birth_date", "zip", "sex", "race"):
            leaky.loc[pos, c] = src[c]
    # Production identifiers in structured columns of otherwise synthetic rows.
    planted["identifier_overlap"] = [80, 81, 82]
    leaky.loc[80, "ssn"] = production.loc[next(take), "ssn"]
    leaky.loc[81, "email"] = production.loc[next(take), "email"]
    src = production.loc[next(take)]
    leaky.loc[82, ["first_name", "last_name"]] = [src.first_name, src.last_name]
    # Free text naming production patients (exact, with a typo, by MRN and phone).
    planted["free_text_phi"] = [100, 101, 102, 103]
    a, b, c_, d = (production.loc[next(take)] for _ in range(4))
    leaky.loc[100, "note"] = f"Seen {a.first_name} {a.last_name} today, stable. Review in 4 weeks."
    typo = b.last_name[:-2] + b.last_name[-1] + b.last_name[-2] if len(b.last_name) >= 4 else b.last_name
    leaky.loc[101, "note"] = f"Pt {b.first_name} {typo} reports {SYMPTOMS[0]}."
    leaky.loc[102, "note"] = f"Chart ref {c_.mrn}: labs reviewed, no change."
    leaky.loc[103, "note"] = f"Callback requested at {d.phone} regarding results."
    # Canaries: a near copy of canary row 0 and canary 1's MRN in text.
    planted["canary"] = [120, 121]
    can = production.loc[N_PRODUCTION - 1]
    for c in ("birth_date", "zip", "sex", "race", "diagnosis", "smoker", "visits_last_year", "systolic_bp", "cholesterol", "bmi"):
        leaky.loc[120, c] = can[c]
    leaky.loc[120, "a1c"] = round(float(can.a1c) + 0.1, 1)
    leaky.loc[121, "note"] = f"Transferred from record {CANARY_MRNS[1]} for follow-up."
    planted["dicom_header_phi"] = [3]
    planted["image_near_duplicate"] = [5]
    leaky = synthetic_media(leaky, f"{PREFIX}/leaky", copy_header_row=int(prod_rows[-1]), near_dup=7, s=seed + 12)
    data = DemoData(production, holdout, clean, leaky, files, planted)
    for key, frame in ((PROD_KEY, production), (HOLDOUT_KEY, holdout)):
        files[(ids.PROD_SAMPLES_BUCKET, key)] = frame.to_csv(index=False).encode()
    files[(ids.SYNTH_OUTPUT_BUCKET, CLEAN_KEY)] = clean.to_csv(index=False).encode()
    files[(ids.SYNTH_OUTPUT_BUCKET, LEAKY_KEY)] = leaky.to_csv(index=False).encode()
    return data


def canary_records(data: DemoData | None = None) -> list[dict]:
    """The canary records as params list them (distinctive fields and the attributes to match near copies)."""
    data = data or generate()
    out = []
    for j in range(len(CANARY_MRNS)):
        row = data.production.loc[N_PRODUCTION - 1 - j]
        out.append({c: (row[c].item() if hasattr(row[c], "item") else row[c]) for c in
                    ("mrn", "birth_date", "zip", "sex", "race", "diagnosis", "a1c", "bmi", "systolic_bp",
                     "cholesterol", "visits_last_year", "smoker")})
    return out


def seeded_phi_values(data: DemoData | None = None) -> list[str]:
    """Distinctive PHI strings of the demo's production sample and holdout (for PHI scans of evidence)."""
    data = data or generate()
    values: set[str] = set()
    for frame in (data.production, data.holdout):
        for _, r in frame.iterrows():
            if str(r.mrn) in CANARY_MRNS:
                continue
            values.update({str(r.ssn), str(r.email), str(r.phone), str(r.mrn), str(r.address),
                           f"{r.first_name} {r.last_name}", f"{r.last_name}^{r.first_name}"})
    return sorted(values)


def _s3_for(endpoint_url: str | None, account: str):
    import boto3

    from synthaudit.demo.server import DUMMY_CREDENTIALS

    sts = boto3.client("sts", endpoint_url=endpoint_url, region_name=ids.HOME_REGION,
                       aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                            RoleSessionName="demo-datasets")["Credentials"]
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=ids.HOME_REGION,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def prepare() -> dict[tuple[str, str], bytes]:
    """The files the estate's S3 receives, (bucket, key) -> bytes (made without a server)."""
    return generate().files


def upload(endpoint_url: str | None, files: dict[tuple[str, str], bytes]) -> None:
    """Write the files into the simulated estate (buckets created, versioned, if missing).

    One by one in key order: moto draws each object's version id from its seeded stream,
    and the leak findings name the version they read.
    """
    owners = {ids.PROD_SAMPLES_BUCKET: ids.PRODUCTION, ids.SYNTH_OUTPUT_BUCKET: ids.SYNTHETIC}
    clients = {bucket: _s3_for(endpoint_url, acct) for bucket, acct in owners.items()}
    for bucket, s3 in clients.items():
        try:
            s3.head_bucket(Bucket=bucket)  # the estate builder made it (versioned, SSE-KMS): leave it as it is
        except Exception:
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for (bucket, key), body in sorted(files.items()):
        clients[bucket].put_object(Bucket=bucket, Key=key, Body=body)


def seed(endpoint_url: str | None) -> None:
    """Write the demo datasets into the simulated estate."""
    upload(endpoint_url, prepare())


def write_local(folder: str | Path, data: DemoData | None = None) -> dict[str, Path]:
    """The same files on disk (folder/<bucket>/<key>); returns the table paths by name."""
    data = data or generate()
    folder = Path(folder)
    for (bucket, key), body in data.files.items():
        path = folder / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return {"production": folder / ids.PROD_SAMPLES_BUCKET / PROD_KEY,
            "holdout": folder / ids.PROD_SAMPLES_BUCKET / HOLDOUT_KEY,
            "clean": folder / ids.SYNTH_OUTPUT_BUCKET / CLEAN_KEY,
            "leaky": folder / ids.SYNTH_OUTPUT_BUCKET / LEAKY_KEY}


def iter_tables(data: DemoData) -> Iterable[tuple[str, pd.DataFrame]]:
    yield from (("production", data.production), ("holdout", data.holdout), ("clean", data.clean), ("leaky", data.leaky))
