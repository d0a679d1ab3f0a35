# jdr-transcriber: `make demo` runs the pipeline on a generated session, `make test` runs the tests.
# Both install what they need first (system packages when run as root, npm packages, whisper-cli).
SHELL := /bin/bash
export ONNXRUNTIME_NODE_INSTALL_CUDA := skip
WHISPER_CLI := vendor/whisper.cpp/bin/whisper-cli
MODEL ?= large-v3-turbo

.PHONY: install deps build test demo bench lint model clean help screenshot

help:
	@echo "make demo     run the pipeline on a generated French/English session (output/demo/)"
	@echo "make test     run the test suite"
	@echo "make install  system packages (as root), npm packages, whisper-cli, TypeScript build"
	@echo "make model    download the Whisper model (MODEL=large-v3-turbo|large-v3|…) and the speaker model into models/ (needs internet)"
	@echo "make bench    print throughput (× real time) and peak memory figures"
	@echo "make screenshot  regenerate docs/transcript.png (transcript.html on the demo session, in chromium)"
	@echo "make lint     type-check and check Terraform formatting"
	@echo ""
	@echo "Google Cloud (see README.md, Deploying on Google Cloud):"
	@echo "make deploy                          build and push the job image with Cloud Build, then terraform apply"
	@echo "make smtp-password                   store the mailer's SMTP password in Secret Manager"
	@echo "make upload SESSION=… DIR=…          send a session's recordings and context, then _READY"
	@echo "make status SESSION=…                claims, status.json and job executions of a session"
	@echo "make logs [SESSION=…] [SINCE=1d]     logs of the job and both functions"
	@echo "make destroy                         delete everything Terraform created"

install: deps node_modules/.installed $(WHISPER_CLI) build

deps:
	@bash scripts/install-system-deps.sh

node_modules/.installed: package.json package-lock.json
	@echo "npm ci: installing the locked npm packages"
	npm ci
	@touch $@

$(WHISPER_CLI): node_modules/.installed scripts/build-whisper.sh
	bash scripts/build-whisper.sh

build: node_modules/.installed
	@echo "tsc: compiling lib/, job/ and functions/ into dist/"
	npx tsc -p tsconfig.build.json

test: install
	npm test

lint: node_modules/.installed
	npx tsc -p tsconfig.json --noEmit
	terraform fmt -check -recursive terraform

demo: install
	npx tsx scripts/demo.ts

screenshot: deps node_modules/.installed
	npx tsx scripts/screenshot.ts docs/transcript.png

bench: install
	npx tsx bench/bounds.bench.ts
	npx tsx bench/front.bench.ts
	BENCH_HOURS=4 npx tsx bench/front.bench.ts
	npx tsx bench/asr.bench.ts
	npx tsx bench/whisper-builds.bench.ts
	npx tsx bench/diarize.bench.ts
	npx tsx bench/speakers.bench.ts
	npx tsx bench/multitrack.bench.ts
	npx tsx bench/parallel.bench.ts
	npx tsx bench/html.bench.ts
	npx tsx bench/glossary.bench.ts

model: node_modules/.installed
	npx tsx scripts/download-model.ts $(MODEL)

clean:
	rm -rf dist vendor .cache output

-include deploy.mk
