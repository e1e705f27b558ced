"""The data-lineage graph: which resource holds data that came from which, through
snapshots, copies, images, restores and replicas, across accounts and regions.

Every link is a row of ``LINKS`` (child table, the column naming its source, what kind
of thing that source is): one graph for every kind, no per-kind walking code. ``trace``
walks a resource's ancestry breadth-first with a visited set, so chains of any depth
and cycles (a copy whose tag names its own descendant) end; the answer is the chain
from the farthest production ancestor (the origin) down to the resource.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthaudit import arn as aws_arn

from synthaudit.checks.context import CheckContext

PRODUCTION = "production"
# Owners of public images: an instance launched from one carries none of the organisation's data.
PUBLIC_IMAGE_OWNERS = ("amazon", "aws-marketplace")
# The volume id AWS reports for a snapshot made by CopySnapshot (no volume of any account).
COPY_VOLUME = "vol-ffffffff"


@dataclass(frozen=True)
class Link:
    """``kind`` rows name their source in ``column`` (one id/ARN or a list); ``target`` says where
    to look it up. ``required``: an unresolvable source leaves the child's lineage unknown.
    A snapshot's own volume or database is not required: those are routinely deleted, and a
    copy reports the original's, so the copy link carries the lineage."""

    kind: str
    column: str
    target: str  # ec2:snapshot | ec2:volume | ec2:image | rds | rds:db | rds:cluster
    via: str
    required: bool = True


LINKS: tuple[Link, ...] = (
    Link("ec2_volumes", "snapshot_id", "ec2:snapshot", "volume created from snapshot"),
    Link("ec2_snapshots", "source_snapshot_id", "ec2:snapshot", "snapshot copied from"),
    Link("ec2_snapshots", "volume_id", "ec2:volume", "snapshot of volume", required=False),
    Link("ec2_images", "block_device_snapshot_ids", "ec2:snapshot", "image built from snapshot"),
    Link("ec2_images", "source_image_id", "ec2:image", "image copied from"),
    Link("ec2_instances", "image_id", "ec2:image", "instance launched from image"),
    Link("rds_snapshots", "source_snapshot", "rds", "snapshot copied from"),
    Link("rds_snapshots", "db_instance_id", "rds:db", "snapshot of database", required=False),
    Link("rds_cluster_snapshots", "source_snapshot", "rds", "snapshot copied from"),
    Link("rds_cluster_snapshots", "db_cluster_id", "rds:cluster", "snapshot of cluster", required=False),
    Link("rds_instances", "read_replica_source", "rds", "read replica of"),
    Link("rds_clusters", "replication_source", "rds", "replica of"),
)
LINEAGE_KINDS: tuple[str, ...] = tuple(dict.fromkeys(link.kind for link in LINKS))
# (table, id column, look-up namespace)
_EC2_IDS = (("ec2_snapshots", "snapshot_id", "ec2:snapshot"), ("ec2_volumes", "volume_id", "ec2:volume"),
            ("ec2_images", "image_id", "ec2:image"))
_RDS_IDS = (("rds_snapshots", "snapshot_id", "rds:snapshot"), ("rds_cluster_snapshots", "snapshot_id", "rds:cluster-snapshot"),
            ("rds_instances", "db_instance_id", "rds:db"), ("rds_clusters", "db_cluster_id", "rds:cluster"))
_RDS_ANY = ("rds:snapshot", "rds:cluster-snapshot", "rds:db", "rds:cluster")


@dataclass(frozen=True)
class Parent:
    ref: str
    via: str
    required: bool
    arn: str | None  # None: not found in the snapshot


@dataclass(frozen=True)
class Trace:
    """A resource's ancestry. ``chain``: ARNs from the production origin to the resource (empty
    when no ancestor is production); ``vias``: how each step came from the one before."""

    resource: str
    chain: tuple[str, ...]
    vias: tuple[str, ...]
    ancestors: tuple[str, ...]
    unresolved: tuple[dict[str, str], ...] = field(default=())

    @property
    def from_production(self) -> bool:
        return bool(self.chain)


def _refs(value: Any) -> list[str]:
    if not value:
        return []
    return sorted({str(v) for v in value}) if isinstance(value, list) else [str(value)]


class Lineage:
    """The graph over one snapshot. Nodes are snapshot rows, plus 'ghosts': sources known only by
    an ARN or an owner (an RDS snapshot of an account not read, a public image)."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.nodes: dict[str, dict[str, Any]] = {}
        self.index: dict[tuple[str, ...], str] = {}
        for kind, column, space in _EC2_IDS:  # EC2 ids are unique across accounts and regions
            for row in ctx.rows_or_empty(kind):
                self.nodes.setdefault(row["arn"], row)
                if row.get(column):
                    self.index.setdefault((space, row[column]), row["arn"])
        for kind, column, space in _RDS_IDS:  # RDS identifiers are unique per account and region
            for row in ctx.rows_or_empty(kind):
                self.nodes.setdefault(row["arn"], row)
                self.index.setdefault(("arn", row["arn"]), row["arn"])
                if row.get(column):
                    self.index.setdefault((space, row["account"], row["region"], row[column]), row["arn"])
        for row in ctx.rows_or_empty("ec2_instances"):
            self.nodes.setdefault(row["arn"], row)
        self._links: dict[str, list[Link]] = {}
        for link in LINKS:
            self._links.setdefault(link.kind, []).append(link)
        self._parents: dict[str, tuple[Parent, ...]] = {}
        self._kind_of = {row["arn"]: kind for kind in LINEAGE_KINDS for row in ctx.rows_or_empty(kind)}

    def environment(self, arn: str) -> str:
        node = self.nodes.get(arn)
        return (node.get("environment") if node else None) or "unknown"

    # --- resolving a reference -------------------------------------------------------------
    def _resolve(self, link: Link, ref: str, row: dict[str, Any]) -> str | None:
        if link.target.startswith("ec2:"):
            ident = ref.rsplit("/", 1)[-1]
            found = self.index.get((link.target, ident))
            if found or link.target != "ec2:image":
                return found
            return self._image_ghost(ident, row)
        if ref.startswith("arn:"):
            return self.index.get(("arn", ref)) or self._arn_ghost(ref)
        region = row.get("source_region") if link.column == "source_snapshot" and row.get("source_region") else row["region"]
        spaces = _RDS_ANY if link.target == "rds" else (link.target,)
        return next((self.index[key] for s in spaces if (key := (s, row["account"], region, ref)) in self.index), None)

    def _arn_ghost(self, arn: str) -> str | None:
        """A source named by ARN but not in the snapshot: its account decides, when classified."""
        env = self.ctx.environment_of(arn)
        if env == "unknown":
            return None
        self.nodes.setdefault(arn, {"arn": arn, "account": aws_arn.account_of(arn), "environment": env,
                                    "ghost": "not in the snapshot; environment of its account"})
        return arn

    def _image_ghost(self, image_id: str, row: dict[str, Any]) -> str | None:
        """An image no inventoried account owns: public images are roots; another owner's image is a
        node of its owner's environment (outside: 'external'); an owner not reported is unresolved."""
        owner = row.get("image_owner")
        if not owner:
            return None
        arn = aws_arn.build("ec2", row["region"], "", f"image/{image_id}")
        if owner in PUBLIC_IMAGE_OWNERS:
            env, why = "public", f"public image owned by {owner}"
        else:
            env = self.ctx.account_environments.get(owner, "external")
            why = f"image of account {owner}, not owned by an inventoried account"
        self.nodes.setdefault(arn, {"arn": arn, "account": None if owner in PUBLIC_IMAGE_OWNERS else owner,
                                    "environment": env, "ghost": why})
        return arn

    def parents(self, arn: str) -> tuple[Parent, ...]:
        if arn not in self._parents:
            self._parents[arn] = self._find_parents(arn)
        return self._parents[arn]

    def _find_parents(self, arn: str) -> tuple[Parent, ...]:
        row = self.nodes.get(arn)
        kind = self._kind_of.get(arn)
        if row is None or kind is None:
            return ()
        out = []
        for link in self._links.get(kind, []):
            for ref in _refs(row.get(link.column)):
                if ref == COPY_VOLUME:
                    continue
                out.append(Parent(ref, link.via, link.required, self._resolve(link, ref, row)))
        return tuple(out)

    # --- walking ----------------------------------------------------------------------------
    def trace(self, arn: str) -> Trace:
        """Breadth-first over sources; each node is visited once (cycle-safe)."""
        child_of: dict[str, tuple[str, str]] = {}
        depth = {arn: 0}
        queue, unresolved = [arn], []
        while queue:
            node = queue.pop(0)
            for parent in self.parents(node):
                if parent.arn is None:
                    if parent.required:
                        unresolved.append({"resource": node, "source": parent.ref, "via": parent.via})
                    continue
                if parent.arn in depth:
                    continue
                depth[parent.arn] = depth[node] + 1
                child_of[parent.arn] = (node, parent.via)
                queue.append(parent.arn)
        ancestors = tuple(sorted(a for a in depth if a != arn))
        production = sorted((a for a in ancestors if self.environment(a) == PRODUCTION), key=lambda a: (-depth[a], a))
        chain, vias = [], []
        if production:
            node = production[0]
            chain.append(node)
            while node != arn:
                node, via = child_of[node]
                chain.append(node)
                vias.append(via)
        return Trace(arn, tuple(chain), tuple(vias), ancestors,
                     tuple(sorted(unresolved, key=lambda u: (u["resource"], u["source"]))))

    def steps(self, trace: Trace) -> list[dict[str, Any]]:
        """The chain with each step's account and environment, for evidence."""
        out = []
        for i, arn in enumerate(trace.chain):
            node = self.nodes.get(arn) or {}
            step = {"arn": arn, "account": node.get("account"), "region": node.get("region"),
                    "environment": self.environment(arn)}
            if i:
                step["via"] = trace.vias[i - 1]
            out.append(step)
        return out
