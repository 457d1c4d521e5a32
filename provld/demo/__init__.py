"""The example pipeline that ``provld serve --demo`` and the README load: three observation
runs of a synthetic CTA pipeline (``benchmarks/synth.py --runs 3 --seed 42``), in the IVOA
flavour of PROV-JSON."""
