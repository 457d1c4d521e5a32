"""Synthetic provenance of the Cherenkov Telescope Array, in the IVOA flavour of PROV-JSON.

The benchmarks need documents of any size that look like what a CTAO pipeline records:
observation runs on four telescopes, each taken from raw DL0 files through calibration,
image extraction (DL1), reconstruction with a random-forest model (DL2), gamma/hadron
selection and DL3 packaging, with the activity, usage, generation, parameter and dataset
descriptions of ProvenanceDM, configuration parameters and the people and software
involved. The shape is the one voprov and OPUS write (``isDescribedBy``, ``isRelatedTo``,
``wasConfiguredBy`` records beside the PROV-JSON ones).

Output is deterministic for a seed. Identifiers are UUIDs drawn from the seeded
generator; relation keys are blank (``_:r12``) as voprov writes them, except for
``used`` and ``wasGeneratedBy`` that are described and so need a name.

DL1 to DL2 runs through ctapipe (activity description ``reconstruction``) for even runs
and through lstchain (``dl1_to_dl2``) for odd ones, both applying the model file that is
shared by blocks of :data:`MODEL_EVERY` runs.

>>> doc = generate(3, seed=1)
>>> doc == generate(3, seed=1), count_records(doc) > 200
(True, True)
>>> sorted(doc["prefix"])
['cta', 'ctao', 'prov', 'voprov', 'xsd']

Command line: ``python benchmarks/synth.py --runs 10000 -o cta.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

VOPROV = "http://www.ivoa.net/documents/ProvenanceDM/index.html#"
PREFIXES = {
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "voprov": VOPROV,
    "cta": "https://provenance.cta-observatory.org/id/",
    # attributes CTAO needs and ProvenanceDM has no term for (file size, run number)
    "ctao": "https://provenance.cta-observatory.org/ns#",
}
TELESCOPES = ("LST-1", "LST-2", "LST-3", "LST-4")
#: Runs that share one random-forest model file.
MODEL_EVERY = 100
RUNS_PER_NIGHT = 20
_START = datetime(2024, 1, 1, 20, 0, tzinfo=UTC)

Rec = tuple[str, str, dict[str, Any]]

# The tables below read better one entry a line than as the formatter would spread them.
# fmt: off
#: Record kinds in the order they are written.
KINDS = (
    "entity", "activity", "agent", "used", "wasGeneratedBy", "wasAssociatedWith",
    "wasAttributedTo", "wasDerivedFrom", "wasInformedBy", "actedOnBehalfOf",
    "activityDescription", "usageDescription", "generationDescription", "parameterDescription",
    "configFileDescription", "entityDescription", "datasetDescription", "valueDescription",
    "parameter", "configFile", "datasetEntity", "valueEntity",
    "wasConfiguredBy", "isDescribedBy", "isRelatedTo",
)
# Dataset descriptions: key -> (name, content type, description).
DATASETS = {
    "dl0": ("DL0 raw events", "application/fits", "raw camera events (zfits)"),
    "calibration": ("calibration coefficients", "application/x-hdf5", "pedestals, gains, flats"),
    "dl1": ("DL1 images and parameters", "application/x-hdf5", "cleaned images, Hillas parameters"),
    "model": ("random-forest models", "application/octet-stream", "energy, direction, gammaness"),
    "dl2": ("DL2 event list", "application/x-hdf5", "reconstructed energy, direction, gammaness"),
    "dl2_gamma": ("DL2 gamma-like events", "application/x-hdf5", "events passing the cuts"),
    "dl3": ("DL3 event list and IRFs", "application/fits", "GADF event list with responses"),
}

# Activity descriptions. Usage and generation: (role, dataset, multiplicity, type).
# Parameter: (name, valueType, unit, ucd, min, max, default, description).
_RF_USAGES = [("dl1", "dl1", 1, "parameters"), ("model", "model", 1, "trained models")]
_MIN_INTENSITY = ("min_intensity", "float", "p.e.", "phot.count", 0, 1000, 50.0, "dimmest image")
ACTIVITIES: dict[str, dict[str, Any]] = {
    "calibration": {
        "software": "lstchain", "type": "Calibration", "subtype": "camera_calibration",
        "description": "pedestals, gains and flat-field coefficients from interleaved events",
        "usages": [("raw", "dl0", 1, "calibration events")],
        "generations": [("calibration", "calibration", 1, "coefficients")],
        "parameters": [
            ("n_events", "int", "", "meta.number", 1000, 50000, 10000, "events per sample"),
            ("sigma_threshold", "float", "", "stat.stdev", 1, 10, 5.0, "outlier pixel threshold"),
        ],
    },
    "dl0_to_dl1": {
        "software": "ctapipe", "type": "Reduction", "subtype": "image_extraction_cleaning",
        "description": "charge extraction, tailcut image cleaning, image parameters",
        "usages": [
            ("raw", "dl0", "*", "science events"),
            ("calibration", "calibration", 1, "coefficients"),
        ],
        "generations": [("dl1", "dl1", 1, "images")],
        "parameters": [
            ("picture_threshold", "float", "p.e.", "phot.count", 0, 50, 8.0, "core pixels"),
            ("boundary_threshold", "float", "p.e.", "phot.count", 0, 50, 4.0, "boundary pixels"),
        ],
    },
    "reconstruction": {
        "software": "ctapipe", "type": "Reconstruction", "subtype": "random_forest",
        "description": "ctapipe-apply-models: energy, direction and gammaness from random forests",
        "usages": _RF_USAGES,
        "generations": [("dl2", "dl2", 1, "event list")],
        "parameters": [_MIN_INTENSITY],
    },
    "dl1_to_dl2": {
        "software": "lstchain", "type": "Reconstruction", "subtype": "random_forest",
        "description": "lstchain_dl1_to_dl2: DL2 from DL1 with random-forest models",
        "usages": _RF_USAGES,
        "generations": [("dl2", "dl2", 1, "event list")],
        "parameters": [_MIN_INTENSITY],
    },
    "selection": {
        "software": "lstchain", "type": "Selection", "subtype": "gamma_hadron_separation",
        "description": "keep gamma-like events: gammaness, theta and intensity cuts",
        "usages": [("dl2", "dl2", 1, "event list")],
        "generations": [("dl2_gamma", "dl2_gamma", 1, "event list")],
        "parameters": [
            ("gammaness_cut", "float", "", "stat.probability", 0, 1, 0.7, "minimal gammaness"),
            ("theta_cut", "float", "deg", "pos.angDistance", 0, 1, 0.2, "largest offset"),
            _MIN_INTENSITY,
        ],
    },
    "dl2_to_dl3": {
        "software": "lstchain", "type": "Packaging", "subtype": "event_list_irf",
        "description": "the GADF DL3 event list with its instrument response functions",
        "usages": [("dl2_gamma", "dl2_gamma", 1, "event list"), ("irf", None, 1, "response")],
        "generations": [("dl3", "dl3", 1, "event list")],
        "parameters": [
            ("energy_min", "float", "TeV", "phys.energy", 0.005, 1, 0.02, "lowest energy"),
        ],
    },
}
SOFTWARE = {"ctapipe": "0.19.3", "lstchain": "0.10.7"}
PEOPLE = (
    ("Ana Kowalski", "ana.kowalski@example.org", "operator"),
    ("Hiroshi Tanaka", "hiroshi.tanaka@example.org", "operator"),
    ("Lucía Fernández", "lucia.fernandez@example.org", "analyst"),
)
# fmt: on


def _typed(value: Any, xsd_type: str) -> dict[str, str]:
    # PROV-JSON's schema wants the lexical form as a string under "$".
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return {"$": text, "type": f"xsd:{xsd_type}"}


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _qname(text: str) -> dict[str, str]:
    return {"$": text, "type": "prov:QUALIFIED_NAME"}


#: The formal arguments of each relation, in the order :meth:`_Generator.relation` takes them.
_ENDS = {
    "used": ("prov:activity", "prov:entity"),
    "wasGeneratedBy": ("prov:entity", "prov:activity"),
    "wasAssociatedWith": ("prov:activity", "prov:agent"),
    "wasAttributedTo": ("prov:entity", "prov:agent"),
    "wasDerivedFrom": ("prov:generatedEntity", "prov:usedEntity", "prov:activity"),
    "wasInformedBy": ("prov:informed", "prov:informant"),
    "actedOnBehalfOf": ("prov:delegate", "prov:responsible"),
    "wasConfiguredBy": ("voprov:configured", "voprov:configurator", "voprov:artefactType"),
    "isDescribedBy": ("voprov:described", "voprov:descriptor"),
    "isRelatedTo": ("voprov:related", "voprov:relator"),
}
_SIZES = {"dl0": (2_000_000_000, 4_000_000_000), "model": (200_000_000, 900_000_000)}


@dataclass
class _Run:
    """What the steps of one run share: its number, telescope, night and clock."""

    number: int
    telescope: str
    night: str
    clock: datetime


class _Generator:
    """Draws every random choice from one seeded generator, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.blanks = 0
        self.people: list[str] = []
        self.software: dict[str, str] = {}
        self.irfs: dict[str, str] = {}
        self.config_file = ""
        self.model = ""

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def blank(self) -> str:
        self.blanks += 1
        return f"_:r{self.blanks}"

    def relation(self, kind: str, *ends: str, key: str | None = None, **attrs: str) -> Rec:
        """A relation record; keyword attributes are PROV ones (``role``, ``time``)."""
        body = dict(zip(_ENDS[kind], ends, strict=False))
        body.update((f"prov:{name}", value) for name, value in attrs.items())
        return kind, key or self.blank(), body

    def agent(self, kind: str, **attrs: str) -> Rec:
        body: dict[str, Any] = {"prov:type": _qname(f"prov:{kind}"), "voprov:type": kind}
        body.update((f"voprov:{name}", value) for name, value in attrs.items())
        return "agent", f"cta:agent/{self.uuid()}", body

    # -- once per document ------------------------------------------------------------

    def shared(self) -> Iterator[Rec]:
        ctao = self.agent(
            "Organization", name="Cherenkov Telescope Array Observatory", url="https://www.ctao.org"
        )
        yield ctao
        for name, email, role in PEOPLE:
            person = self.agent("Person", name=name, email=email, affiliation="CTAO")
            person[2]["prov:label"] = f"{name} ({role})"
            self.people.append(person[1])
            yield person
            yield self.relation("actedOnBehalfOf", person[1], ctao[1])
        for name, version in SOFTWARE.items():
            url = f"https://github.com/cta-observatory/{name}"
            software = self.agent("SoftwareAgent", name=name, version=version, url=url)
            self.software[name] = software[1]
            yield software
        yield from self.descriptions()
        self.config_file = f"cta:config/{self.uuid()}"
        body = {
            "voprov:name": "lstchain_standard_config.json",
            "voprov:location": "/fefs/aswg/software/config/lstchain_standard_config.json",
            "voprov:comment": "standard analysis configuration",
        }
        yield "configFile", self.config_file, body
        yield self.relation("isDescribedBy", self.config_file, "cta:description/config/standard")
        for tel in TELESCOPES:
            irf = self.irfs[tel] = f"cta:product/{self.uuid()}"
            body = {
                "prov:label": f"{tel} IRF, zenith 20 deg",
                "voprov:location": f"/fefs/aswg/data/irf/{tel}/irf_zd20.fits.gz",
            }
            yield "entity", irf, body
            yield self.relation("isDescribedBy", irf, "cta:description/entity/irf")

    def descriptions(self) -> Iterator[Rec]:
        for key, (name, content_type, text) in DATASETS.items():
            body = {"voprov:name": name, "voprov:contentType": content_type}
            body["voprov:description"] = text
            yield "datasetDescription", f"cta:description/dataset/{key}", body
        body = {
            "voprov:name": "instrument response functions",
            "voprov:description": "effective area, energy dispersion, PSF, background",
            "voprov:docurl": "https://gamma-astro-data-formats.readthedocs.io",
        }
        yield "entityDescription", "cta:description/entity/irf", body
        body = {
            "voprov:name": "number of selected events",
            "voprov:valueType": "long",
            "voprov:ucd": "meta.number",
        }
        yield "valueDescription", "cta:description/value/n_events", body
        config = "cta:description/config/standard"
        body = {"voprov:name": "lstchain configuration", "voprov:contentType": "application/json"}
        yield "configFileDescription", config, body
        yield self.relation("isRelatedTo", config, "cta:description/dl0_to_dl1")
        for key, desc in ACTIVITIES.items():
            yield from self.activity_description(key, desc)

    def activity_description(self, key: str, desc: dict[str, Any]) -> Iterator[Rec]:
        ad = f"cta:description/{key}"
        body = {
            "voprov:name": key,
            "voprov:version": SOFTWARE[desc["software"]],
            "voprov:type": desc["type"],
            "voprov:subtype": desc["subtype"],
            "voprov:description": desc["description"],
            "voprov:docurl": f"https://cta-observatory.github.io/{desc['software']}/",
        }
        yield "activityDescription", ad, body
        for kind, part in (("usageDescription", "usage"), ("generationDescription", "generation")):
            for role, dataset, multiplicity, usage_type in desc[part + "s"]:
                pid = f"{ad}/{part}/{role}"
                many = (
                    multiplicity if isinstance(multiplicity, str) else _typed(multiplicity, "int")
                )
                body = {"prov:role": role, "voprov:multiplicity": many, "voprov:type": usage_type}
                yield kind, pid, body
                yield self.relation("isRelatedTo", pid, ad)
                if dataset is not None:
                    yield self.relation("isRelatedTo", f"cta:description/dataset/{dataset}", pid)
        for name, vtype, unit, ucd, low, high, default, text in desc["parameters"]:
            pid = f"{ad}/parameter/{name}"
            body = {
                "voprov:name": name,
                "voprov:valueType": vtype,
                "voprov:unit": unit,
                "voprov:ucd": ucd,
                "voprov:min": str(low),
                "voprov:max": str(high),
                "voprov:default": str(default),
                "voprov:description": text,
            }
            yield "parameterDescription", pid, body
            yield self.relation("isRelatedTo", pid, ad)

    # -- once per run -------------------------------------------------------------------

    def run(self, index: int) -> Iterator[Rec]:
        rng = self.rng
        number = 1000 + index
        tel = rng.choice(TELESCOPES)
        night, slot = divmod(index, RUNS_PER_NIGHT)
        observed = _START + timedelta(days=night, minutes=20 * slot)
        day = observed.strftime("%Y%m%d")
        run = _Run(number, tel, day, observed + timedelta(hours=12, minutes=rng.randint(0, 59)))
        operator, analyst = self.people[night % 2], self.people[2]
        if index % MODEL_EVERY == 0:
            block = index // MODEL_EVERY
            self.model = f"cta:product/{self.uuid()}"
            path = f"/fefs/aswg/data/models/{day}/rf_models_{block:03d}.joblib"
            yield from self.dataset(self.model, "model", path, f"random-forest models {block}")
            yield self.relation("wasAttributedTo", self.model, analyst, role="trainer")
        raws = []
        for sub in range(rng.randint(2, 4)):
            raw = f"cta:product/{self.uuid()}"
            raws.append(raw)
            path = f"/fefs/onsite/data/R0/{day}/{tel}/{tel}.Run{number:05d}.{sub:04d}.fits.fz"
            yield from self.dataset(raw, "dl0", path, f"{tel} run {number} subrun {sub}", number)
            yield self.relation("wasAttributedTo", raw, operator, role="shift operator")

        # Derivations follow the science data, not the calibration or model inputs.
        calib, act = yield from self.step(run, "calibration", [(raws[0], "raw")], [], None)
        inputs = [(raw, "raw") for raw in raws] + [(calib, "calibration")]
        dl1, act = yield from self.step(run, "dl0_to_dl1", inputs, raws, act)
        yield self.relation("wasConfiguredBy", act, self.config_file, "ConfigFile")
        reco = "reconstruction" if index % 2 == 0 else "dl1_to_dl2"
        inputs = [(dl1, "dl1"), (self.model, "model")]
        dl2, act = yield from self.step(run, reco, inputs, [dl1], act)
        gamma, act = yield from self.step(run, "selection", [(dl2, "dl2")], [dl2], act)
        yield from self.selection(act)
        inputs = [(gamma, "dl2_gamma"), (self.irfs[tel], "irf")]
        dl3, act = yield from self.step(run, "dl2_to_dl3", inputs, [gamma], act)
        yield self.relation("wasAttributedTo", dl3, analyst, role="analyst")

    def step(
        self,
        run: _Run,
        name: str,
        inputs: list[tuple[str, str]],
        sources: list[str],
        informant: str | None,
    ) -> Generator[Rec, None, tuple[str, str]]:
        """One activity of a run; gives back its product and itself."""
        desc = ACTIVITIES[name]
        output = desc["generations"][0][0]
        activity, ad = f"cta:activity/{self.uuid()}", f"cta:description/{name}"
        start = _time(run.clock)
        run.clock += timedelta(seconds=self.rng.randint(60, 3600))
        end = _time(run.clock)
        label = f"{name} of {run.telescope} run {run.number}"
        body = {"prov:startTime": start, "prov:endTime": end, "prov:label": label}
        yield "activity", activity, body
        yield self.relation("isDescribedBy", activity, ad)
        agent = self.software[desc["software"]]
        yield self.relation("wasAssociatedWith", activity, agent, role="pipeline")
        if informant is not None:
            yield self.relation("wasInformedBy", activity, informant)
        for entity, role in inputs:
            # The raw subruns of DL0 to DL1 stay undescribed (blank usages), as a pipeline
            # that describes only one usage of a multiple role would write them.
            usage = None if (name, role) == ("dl0_to_dl1", "raw") else f"cta:usage/{self.uuid()}"
            yield self.relation("used", activity, entity, key=usage, time=start, role=role)
            if usage is not None:
                yield self.relation("isDescribedBy", usage, f"{ad}/usage/{role}")
        product = f"cta:product/{self.uuid()}"
        level = output.upper().replace("_GAMMA", "")
        ext = "fits.gz" if DATASETS[output][1] == "application/fits" else "h5"
        where = f"{level}/{run.night}/{run.telescope}/{output}_{run.telescope}.Run{run.number:05d}"
        label = f"{DATASETS[output][0]}, {run.telescope} run {run.number}"
        yield from self.dataset(
            product, output, f"/fefs/aswg/data/{where}.{ext}", label, run.number
        )
        generation = f"cta:generation/{self.uuid()}"
        yield self.relation(
            "wasGeneratedBy", product, activity, key=generation, time=end, role=output
        )
        yield self.relation("isDescribedBy", generation, f"{ad}/generation/{output}")
        for source in sources:
            yield self.relation("wasDerivedFrom", product, source, activity)
        return product, activity

    def dataset(
        self, ident: str, kind: str, location: str, label: str, run: int | None = None
    ) -> Iterator[Rec]:
        size = self.rng.randint(*_SIZES.get(kind, (50_000_000, 2_000_000_000)))
        body: dict[str, Any] = {
            "prov:label": label,
            "voprov:location": location,
            "voprov:contentType": DATASETS[kind][1],
            "ctao:size": _typed(size, "long"),
        }
        if run is not None:
            body["ctao:runNumber"] = _typed(run, "int")
        yield "datasetEntity", ident, body
        yield self.relation("isDescribedBy", ident, f"cta:description/dataset/{kind}")

    def selection(self, activity: str) -> Iterator[Rec]:
        """The 2 or 3 cut parameters of a selection, and the number of events it kept."""
        rng = self.rng
        ad = "cta:description/selection"
        for spec in ACTIVITIES["selection"]["parameters"][: rng.randint(2, 3)]:
            name, low, high, default = spec[0], spec[4], spec[5], spec[6]
            value = round(min(high, max(low, rng.gauss(default, default * 0.1))), 3)
            param = f"{activity}/parameter/{name}"
            body = {
                "voprov:name": name,
                "prov:value": _typed(value, "double"),
                "prov:label": f"{name} = {value}",
            }
            yield "parameter", param, body
            yield self.relation("isDescribedBy", param, f"{ad}/parameter/{name}")
            yield self.relation("wasConfiguredBy", activity, param, "Parameter")
        count = f"{activity}/n_events"
        body = {
            "prov:value": _typed(rng.randint(1_000, 500_000), "long"),
            "prov:label": "number of gamma-like events",
        }
        yield "valueEntity", count, body
        yield self.relation("isDescribedBy", count, "cta:description/value/n_events")
        yield self.relation("wasGeneratedBy", count, activity, role="n_events")


def iter_records(runs: int, seed: int = 0) -> Iterator[Rec]:
    """Every record as ``(kind, key, body)``: the shared part, then run after run."""
    gen = _Generator(seed)
    yield from gen.shared()
    for index in range(runs):
        yield from gen.run(index)


def generate(runs: int, seed: int = 0) -> dict[str, Any]:
    """The PROV-JSON document of ``runs`` observation runs, as a dict."""
    doc: dict[str, Any] = {"prefix": dict(PREFIXES)}
    sections: dict[str, dict[str, Any]] = {}
    for kind, key, body in iter_records(runs, seed):
        sections.setdefault(kind, {})[key] = body
    doc.update((kind, sections[kind]) for kind in KINDS if kind in sections)
    return doc


def count_records(doc: dict[str, Any]) -> int:
    """Number of records: every key under every record kind (``prefix`` excluded).

    >>> count_records({"prefix": {}, "entity": {"a": {}, "b": {}}, "used": {"_:u": {}}})
    3
    """
    return sum(
        len(section)
        for kind, section in doc.items()
        if kind not in {"prefix", "bundle"} and isinstance(section, dict)
    )


def write(out: IO[str], runs: int, seed: int = 0) -> int:
    """Write the document to ``out`` without holding it in memory; returns the record count.

    PROV-JSON groups records by kind, so each kind is spooled to its own temporary file
    and the files are joined at the end.
    """
    spools: dict[str, IO[str]] = {}
    count = 0
    try:
        for kind, key, body in iter_records(runs, seed):
            spool = spools.get(kind)
            if spool is None:
                spool = spools[kind] = tempfile.TemporaryFile("w+", encoding="utf-8")
            else:
                spool.write(",")
            spool.write(json.dumps(key))
            spool.write(":")
            spool.write(json.dumps(body, ensure_ascii=False))
            count += 1
        out.write('{"prefix":')
        out.write(json.dumps(PREFIXES))
        for kind in KINDS:
            spool = spools.get(kind)
            if spool is None:
                continue
            out.write(f',"{kind}":{{')
            spool.seek(0)
            shutil.copyfileobj(spool, out)
            out.write("}")
        out.write("}\n")
    finally:
        for spool in spools.values():
            spool.close()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, required=True, help="number of observation runs")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("-o", "--output", required=True, help="PROV-JSON file to write")
    args = parser.parse_args(argv)
    if args.runs < 0:
        parser.error("--runs must be 0 or more")
    started = time.perf_counter()
    path = Path(args.output)
    with path.open("w", encoding="utf-8") as out:
        count = write(out, args.runs, args.seed)
    elapsed = time.perf_counter() - started
    size = path.stat().st_size
    print(f"{path}: {args.runs} runs, {count} records, {size} bytes, {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
