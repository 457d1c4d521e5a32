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
from collections.abc import Iterator
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
#: Record kinds in the order they are written.
KINDS = (
    "entity",
    "activity",
    "agent",
    "used",
    "wasGeneratedBy",
    "wasAssociatedWith",
    "wasAttributedTo",
    "wasDerivedFrom",
    "wasInformedBy",
    "actedOnBehalfOf",
    "activityDescription",
    "usageDescription",
    "generationDescription",
    "parameterDescription",
    "configFileDescription",
    "entityDescription",
    "datasetDescription",
    "valueDescription",
    "parameter",
    "configFile",
    "datasetEntity",
    "valueEntity",
    "wasConfiguredBy",
    "isDescribedBy",
    "isRelatedTo",
)
TELESCOPES = ("LST-1", "LST-2", "LST-3", "LST-4")
#: Runs that share one random-forest model file.
MODEL_EVERY = 100
RUNS_PER_NIGHT = 20
_START = datetime(2024, 1, 1, 20, 0, tzinfo=UTC)

Rec = tuple[str, str, dict[str, Any]]

# Dataset descriptions: key -> (name, content type, description).
DATASETS = {
    "dl0": ("DL0 raw events", "application/fits", "raw camera events (zfits)"),
    "calibration": (
        "calibration coefficients",
        "application/x-hdf5",
        "pedestals, gains, flat field",
    ),
    "dl1": (
        "DL1 images and parameters",
        "application/x-hdf5",
        "calibrated, cleaned images and Hillas parameters",
    ),
    "model": (
        "random-forest models",
        "application/octet-stream",
        "trained energy, direction and gamma/hadron models",
    ),
    "dl2": (
        "DL2 event list",
        "application/x-hdf5",
        "events with reconstructed energy, direction, gammaness",
    ),
    "dl2_gamma": (
        "DL2 gamma-like events",
        "application/x-hdf5",
        "events that pass the gamma/hadron cut",
    ),
    "dl3": (
        "DL3 event list and IRFs",
        "application/fits",
        "GADF event list with instrument response",
    ),
}

# Activity descriptions: software, type, subtype, description, usages, generations,
# parameters. Usage/generation: (role, dataset, multiplicity, type). Parameter: (name,
# valueType, unit, ucd, min, max, default, description).
ACTIVITIES: dict[str, dict[str, Any]] = {
    "calibration": {
        "software": "lstchain",
        "type": "Calibration",
        "subtype": "camera_calibration",
        "description": "pedestals, gains and flat-field coefficients from interleaved events",
        "usages": [("raw", "dl0", 1, "calibration events")],
        "generations": [("calibration", "calibration", 1, "coefficients")],
        "parameters": [
            (
                "n_events",
                "int",
                "",
                "meta.number",
                1000,
                50000,
                10000,
                "events per calibration sample",
            ),
            ("sigma_threshold", "float", "", "stat.stdev", 1, 10, 5.0, "outlier pixel threshold"),
        ],
    },
    "dl0_to_dl1": {
        "software": "ctapipe",
        "type": "Reduction",
        "subtype": "image_extraction_cleaning",
        "description": "charge extraction, tailcut image cleaning, image parameters",
        "usages": [
            ("raw", "dl0", "*", "science events"),
            ("calibration", "calibration", 1, "coefficients"),
        ],
        "generations": [("dl1", "dl1", 1, "images")],
        "parameters": [
            (
                "picture_threshold",
                "float",
                "p.e.",
                "phot.count",
                0,
                50,
                8.0,
                "core pixel threshold",
            ),
            (
                "boundary_threshold",
                "float",
                "p.e.",
                "phot.count",
                0,
                50,
                4.0,
                "boundary pixel threshold",
            ),
        ],
    },
    "reconstruction": {
        "software": "ctapipe",
        "type": "Reconstruction",
        "subtype": "random_forest",
        "description": "apply random-forest models for energy, direction and gammaness",
        "usages": [("dl1", "dl1", 1, "parameters"), ("model", "model", 1, "trained models")],
        "generations": [("dl2", "dl2", 1, "event list")],
        "parameters": [
            (
                "min_intensity",
                "float",
                "p.e.",
                "phot.count",
                0,
                1000,
                50.0,
                "smallest image intensity kept",
            ),
        ],
    },
    "dl1_to_dl2": {
        "software": "lstchain",
        "type": "Reconstruction",
        "subtype": "random_forest",
        "description": "lstchain_dl1_to_dl2: reconstruct DL2 from DL1 with random-forest models",
        "usages": [("dl1", "dl1", 1, "parameters"), ("model", "model", 1, "trained models")],
        "generations": [("dl2", "dl2", 1, "event list")],
        "parameters": [
            (
                "min_intensity",
                "float",
                "p.e.",
                "phot.count",
                0,
                1000,
                50.0,
                "smallest image intensity kept",
            ),
        ],
    },
    "selection": {
        "software": "lstchain",
        "type": "Selection",
        "subtype": "gamma_hadron_separation",
        "description": "keep gamma-like events: gammaness, theta and intensity cuts",
        "usages": [("dl2", "dl2", 1, "event list")],
        "generations": [("dl2_gamma", "dl2_gamma", 1, "event list")],
        "parameters": [
            ("gammaness_cut", "float", "", "stat.probability", 0, 1, 0.7, "minimal gammaness"),
            ("theta_cut", "float", "deg", "pos.angDistance", 0, 1, 0.2, "largest angular distance"),
            ("min_intensity", "float", "p.e.", "phot.count", 0, 1000, 50.0, "smallest intensity"),
        ],
    },
    "dl2_to_dl3": {
        "software": "lstchain",
        "type": "Packaging",
        "subtype": "event_list_irf",
        "description": "write the GADF DL3 event list with its instrument response functions",
        "usages": [("dl2_gamma", "dl2_gamma", 1, "event list"), ("irf", None, 1, "response")],
        "generations": [("dl3", "dl3", 1, "event list")],
        "parameters": [
            (
                "energy_min",
                "float",
                "TeV",
                "phys.energy",
                0.005,
                1,
                0.02,
                "lowest reconstructed energy",
            ),
        ],
    },
}
SOFTWARE = {"ctapipe": "0.19.3", "lstchain": "0.10.7"}
PEOPLE = (
    ("Ana Kowalski", "ana.kowalski@example.org", "operator"),
    ("Hiroshi Tanaka", "hiroshi.tanaka@example.org", "operator"),
    ("Lucía Fernández", "lucia.fernandez@example.org", "analyst"),
)


def _typed(value: Any, xsd_type: str) -> dict[str, str]:
    # PROV-JSON's schema wants the lexical form as a string under "$".
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return {"$": text, "type": f"xsd:{xsd_type}"}


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _qname(text: str) -> dict[str, str]:
    return {"$": text, "type": "prov:QUALIFIED_NAME"}


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

    def described(self, described: str, descriptor: str) -> Rec:
        return (
            "isDescribedBy",
            self.blank(),
            {
                "voprov:described": described,
                "voprov:descriptor": descriptor,
            },
        )

    def related(self, related: str, relator: str) -> Rec:
        return "isRelatedTo", self.blank(), {"voprov:related": related, "voprov:relator": relator}

    # -- once per document ------------------------------------------------------------

    def shared(self) -> Iterator[Rec]:
        ctao = f"cta:agent/{self.uuid()}"
        yield (
            "agent",
            ctao,
            {
                "prov:type": _qname("prov:Organization"),
                "voprov:type": "Organization",
                "voprov:name": "Cherenkov Telescope Array Observatory",
                "voprov:url": "https://www.ctao.org",
            },
        )
        for name, email, role in PEOPLE:
            person = f"cta:agent/{self.uuid()}"
            self.people.append(person)
            yield (
                "agent",
                person,
                {
                    "prov:type": _qname("prov:Person"),
                    "voprov:type": "Person",
                    "voprov:name": name,
                    "voprov:email": email,
                    "voprov:affiliation": "CTAO",
                    "prov:label": f"{name} ({role})",
                },
            )
            yield (
                "actedOnBehalfOf",
                self.blank(),
                {
                    "prov:delegate": person,
                    "prov:responsible": ctao,
                },
            )
        for name, version in SOFTWARE.items():
            agent = f"cta:agent/{self.uuid()}"
            self.software[name] = agent
            yield (
                "agent",
                agent,
                {
                    "prov:type": _qname("prov:SoftwareAgent"),
                    "voprov:type": "SoftwareAgent",
                    "voprov:name": name,
                    "voprov:version": version,
                    "voprov:url": f"https://github.com/cta-observatory/{name}",
                },
            )
        yield from self.descriptions()
        self.config_file = f"cta:config/{self.uuid()}"
        yield (
            "configFile",
            self.config_file,
            {
                "voprov:name": "lstchain_standard_config.json",
                "voprov:location": "/fefs/aswg/software/config/lstchain_standard_config.json",
                "voprov:comment": "standard analysis configuration",
            },
        )
        yield self.described(self.config_file, "cta:description/config/standard")
        for tel in TELESCOPES:
            irf = f"cta:product/{self.uuid()}"
            self.irfs[tel] = irf
            yield (
                "entity",
                irf,
                {
                    "prov:label": f"{tel} IRF, zenith 20 deg",
                    "voprov:location": f"/fefs/aswg/data/irf/{tel}/irf_zd20.fits.gz",
                },
            )
            yield self.described(irf, "cta:description/entity/irf")

    def descriptions(self) -> Iterator[Rec]:
        for key, (name, content_type, text) in DATASETS.items():
            yield (
                "datasetDescription",
                f"cta:description/dataset/{key}",
                {
                    "voprov:name": name,
                    "voprov:contentType": content_type,
                    "voprov:description": text,
                },
            )
        yield (
            "entityDescription",
            "cta:description/entity/irf",
            {
                "voprov:name": "instrument response functions",
                "voprov:description": "effective area, energy dispersion, PSF, background",
                "voprov:docurl": "https://gamma-astro-data-formats.readthedocs.io",
            },
        )
        yield (
            "valueDescription",
            "cta:description/value/n_events",
            {
                "voprov:name": "number of selected events",
                "voprov:valueType": "long",
                "voprov:ucd": "meta.number",
            },
        )
        yield (
            "configFileDescription",
            "cta:description/config/standard",
            {
                "voprov:name": "lstchain configuration",
                "voprov:contentType": "application/json",
            },
        )
        for key, desc in ACTIVITIES.items():
            ad = f"cta:description/{key}"
            software = desc["software"]
            yield (
                "activityDescription",
                ad,
                {
                    "voprov:name": key,
                    "voprov:version": SOFTWARE[software],
                    "voprov:type": desc["type"],
                    "voprov:subtype": desc["subtype"],
                    "voprov:description": desc["description"],
                    "voprov:docurl": f"https://cta-observatory.github.io/{software}/",
                },
            )
            for kind, part, entries in (
                ("usageDescription", "usage", desc["usages"]),
                ("generationDescription", "generation", desc["generations"]),
            ):
                for role, dataset, multiplicity, usage_type in entries:
                    pid = f"{ad}/{part}/{role}"
                    count = (
                        multiplicity
                        if isinstance(multiplicity, str)
                        else _typed(multiplicity, "int")
                    )
                    yield (
                        kind,
                        pid,
                        {
                            "prov:role": role,
                            "voprov:multiplicity": count,
                            "voprov:type": usage_type,
                        },
                    )
                    yield self.related(pid, ad)
                    if dataset is not None:
                        yield self.related(f"cta:description/dataset/{dataset}", pid)
            for name, vtype, unit, ucd, low, high, default, text in desc["parameters"]:
                pid = f"{ad}/parameter/{name}"
                yield (
                    "parameterDescription",
                    pid,
                    {
                        "voprov:name": name,
                        "voprov:valueType": vtype,
                        "voprov:unit": unit,
                        "voprov:ucd": ucd,
                        "voprov:min": str(low),
                        "voprov:max": str(high),
                        "voprov:default": str(default),
                        "voprov:description": text,
                    },
                )
                yield self.related(pid, ad)
        yield self.related("cta:description/config/standard", "cta:description/dl0_to_dl1")

    # -- once per run -------------------------------------------------------------------

    def run(self, index: int) -> Iterator[Rec]:
        rng = self.rng
        run = 1000 + index
        tel = rng.choice(TELESCOPES)
        night, slot = divmod(index, RUNS_PER_NIGHT)
        observed = _START + timedelta(days=night, minutes=20 * slot)
        day = observed.strftime("%Y%m%d")
        operator = self.people[night % 2]
        analyst = self.people[2]
        if index % MODEL_EVERY == 0:
            self.model = f"cta:product/{self.uuid()}"
            yield from self.dataset(
                self.model,
                "model",
                f"/fefs/aswg/data/models/{day}/rf_models_{index // MODEL_EVERY:03d}.joblib",
                f"random-forest models, block {index // MODEL_EVERY}",
                rng.randint(200_000_000, 900_000_000),
            )
            yield (
                "wasAttributedTo",
                self.blank(),
                {
                    "prov:entity": self.model,
                    "prov:agent": analyst,
                    "prov:role": "trainer",
                },
            )

        raws = []
        for sub in range(rng.randint(2, 4)):
            raw = f"cta:product/{self.uuid()}"
            raws.append(raw)
            yield from self.dataset(
                raw,
                "dl0",
                f"/fefs/onsite/data/R0/{day}/{tel}/{tel}.Run{run:05d}.{sub:04d}.fits.fz",
                f"{tel} run {run} subrun {sub}",
                rng.randint(2_000_000_000, 4_000_000_000),
                run=run,
            )
            yield (
                "wasAttributedTo",
                self.blank(),
                {
                    "prov:entity": raw,
                    "prov:agent": operator,
                    "prov:role": "shift operator",
                },
            )

        clock = observed + timedelta(hours=12, minutes=rng.randint(0, 59))
        previous: str | None = None
        steps = [
            ("calibration", [(raws[0], "raw")], "calibration", "h5"),
            (
                "dl0_to_dl1",
                [(raw, "raw") for raw in raws] + [("@calibration", "calibration")],
                "dl1",
                "h5",
            ),
            (
                "reconstruction" if index % 2 == 0 else "dl1_to_dl2",
                [("@dl1", "dl1"), (self.model, "model")],
                "dl2",
                "h5",
            ),
            ("selection", [("@dl2", "dl2")], "dl2_gamma", "h5"),
            (
                "dl2_to_dl3",
                [("@dl2_gamma", "dl2_gamma"), (self.irfs[tel], "irf")],
                "dl3",
                "fits.gz",
            ),
        ]
        products: dict[str, str] = {}
        for step, inputs, output, ext in steps:
            activity = f"cta:activity/{self.uuid()}"
            ad = f"cta:description/{step}"
            software = ACTIVITIES[step]["software"]
            start = clock
            clock += timedelta(seconds=rng.randint(60, 3600))
            yield (
                "activity",
                activity,
                {
                    "prov:startTime": _time(start),
                    "prov:endTime": _time(clock),
                    "prov:label": f"{step} of {tel} run {run}",
                },
            )
            yield self.described(activity, ad)
            yield (
                "wasAssociatedWith",
                self.blank(),
                {
                    "prov:activity": activity,
                    "prov:agent": self.software[software],
                    "prov:role": "pipeline",
                },
            )
            if previous is not None:
                yield (
                    "wasInformedBy",
                    self.blank(),
                    {
                        "prov:informed": activity,
                        "prov:informant": previous,
                    },
                )
            previous = activity
            used_entities = []
            for entity, role in inputs:
                entity = products.get(entity[1:], entity) if entity.startswith("@") else entity
                used_entities.append(entity)
                usage = f"cta:usage/{self.uuid()}"
                yield (
                    "used",
                    usage,
                    {
                        "prov:activity": activity,
                        "prov:entity": entity,
                        "prov:time": _time(start),
                        "prov:role": role,
                    },
                )
                yield self.described(usage, f"{ad}/usage/{role}")
            product = f"cta:product/{self.uuid()}"
            products[output] = product
            level = output.upper().replace("_GAMMA", "")
            yield from self.dataset(
                product,
                output,
                f"/fefs/aswg/data/{level}/{day}/{tel}/{output}_{tel}.Run{run:05d}.{ext}",
                f"{DATASETS[output][0]}, {tel} run {run}",
                rng.randint(50_000_000, 2_000_000_000),
                run=run,
            )
            generation = f"cta:generation/{self.uuid()}"
            yield (
                "wasGeneratedBy",
                generation,
                {
                    "prov:entity": product,
                    "prov:activity": activity,
                    "prov:time": _time(clock),
                    "prov:role": output,
                },
            )
            yield self.described(generation, f"{ad}/generation/{output}")
            if step != "calibration":
                # derivations follow the science data, not the calibration or model inputs
                for source in used_entities:
                    if source in raws or source == products.get(_SCIENCE_INPUT[output]):
                        yield (
                            "wasDerivedFrom",
                            self.blank(),
                            {
                                "prov:generatedEntity": product,
                                "prov:usedEntity": source,
                                "prov:activity": activity,
                            },
                        )
            if step == "selection":
                yield from self.selection(activity, ad)
            if step == "dl2_to_dl3":
                yield (
                    "wasAttributedTo",
                    self.blank(),
                    {
                        "prov:entity": product,
                        "prov:agent": analyst,
                        "prov:role": "analyst",
                    },
                )
            if step == "dl0_to_dl1":
                yield (
                    "wasConfiguredBy",
                    self.blank(),
                    {
                        "voprov:configured": activity,
                        "voprov:configurator": self.config_file,
                        "voprov:artefactType": "ConfigFile",
                    },
                )

    def dataset(
        self, ident: str, kind: str, location: str, label: str, size: int, run: int | None = None
    ) -> Iterator[Rec]:
        body: dict[str, Any] = {
            "prov:label": label,
            "voprov:location": location,
            "voprov:contentType": DATASETS[kind][1],
            "ctao:size": _typed(size, "long"),
        }
        if run is not None:
            body["ctao:runNumber"] = _typed(run, "int")
        yield "datasetEntity", ident, body
        yield self.described(ident, f"cta:description/dataset/{kind}")

    def selection(self, activity: str, ad: str) -> Iterator[Rec]:
        rng = self.rng
        chosen = ACTIVITIES["selection"]["parameters"][: rng.randint(2, 3)]
        for name, _vtype, _unit, _ucd, low, high, default, _text in chosen:
            value = round(min(high, max(low, rng.gauss(default, default * 0.1))), 3)
            param = f"{activity}/parameter/{name}"
            yield (
                "parameter",
                param,
                {
                    "voprov:name": name,
                    "prov:value": _typed(value, "double"),
                    "prov:label": f"{name} = {value}",
                },
            )
            yield self.described(param, f"{ad}/parameter/{name}")
            yield (
                "wasConfiguredBy",
                self.blank(),
                {
                    "voprov:configured": activity,
                    "voprov:configurator": param,
                    "voprov:artefactType": "Parameter",
                },
            )
        count = f"{activity}/n_events"
        yield (
            "valueEntity",
            count,
            {
                "prov:value": _typed(rng.randint(1_000, 500_000), "long"),
                "prov:label": "number of gamma-like events",
            },
        )
        yield self.described(count, "cta:description/value/n_events")
        yield (
            "wasGeneratedBy",
            self.blank(),
            {
                "prov:entity": count,
                "prov:activity": activity,
                "prov:role": "n_events",
            },
        )


# The input each product is derived from (its science input, not calibration or models).
_SCIENCE_INPUT = {"dl1": "dl0", "dl2": "dl1", "dl2_gamma": "dl2", "dl3": "dl2_gamma"}


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
