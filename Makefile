# The two commands of the README:
#   make run    set everything up, then play the synth (headless: OSC server + demo WAV)
#   make test   set everything up, then lint, type-check and run the tests on a private JACK server
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
WAEFADER := $(VENV)/bin/waefader
OUT ?= out

.PHONY: setup run test lint typecheck pytest corpus model refit train-on fullband sharpen sharpen-fullband ablation clean

setup:
	@bash scripts/setup.sh

run: setup
	@bash scripts/run.sh

lint: setup
	$(VENV)/bin/ruff check waefader_cli.py models export realtime gui tests

typecheck: setup
	$(VENV)/bin/mypy waefader_cli.py models export realtime gui

pytest: setup
	QT_QPA_PLATFORM=offscreen bash scripts/with_jack.sh $(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The full default corpus (2,709 notes, about 1 minute, 339 MiB; see docs/DATASET.md).
corpus: setup
	$(WAEFADER) dataset build --out data/corpus

# The shipped default model (wae-fader + MCNN + fine-tuning + evaluation + export into
# realtime/default_model/); docs/TRAINING.md gives its time on 2 CPU cores.
model: setup
	bash scripts/model.sh

# The shipped model's decoder refit on top of a model folder (harmonic head, encoder kept;
# docs/QUALITY.md gives its time on 2 CPU cores).
refit: setup
	bash scripts/refit.sh

# The shipped model: the refit trained on, encoder and decoder (docs/QUALITY.md gives its time
# and figures); fullband: the same at 44.1 kHz (a corpus of its own, data/corpus_fb).
train-on: setup
	bash scripts/train_on.sh
fullband: setup
	bash scripts/train_on.sh --preset fullband --into out/fullband/model

# The shipped model since 2 December 2026: a model folder trained on with the
# spectral-convergence term, then polished with L1 (docs/QUALITY.md "Sharpened").
sharpen: setup
	bash scripts/sharpen.sh
# The same at 44.1 kHz from the shipped weights (data/corpus_fb, out/sharpen_fb/model), with
# the adversarial stages last (the shipped model since the night of 2 December 2026).
sharpen-fullband: setup
	bash scripts/sharpen.sh --preset fullband --gan 1200

# The paper's ablation study (four variants, same budget) -> docs/report/.
ablation: setup
	bash scripts/ablation.sh

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
