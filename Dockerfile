# The transcription job's image (Cloud Run job). Two stages: `build` compiles whisper-cli and the TypeScript and
# downloads the models; the runtime is a slim Node image with ffmpeg that runs offline, as a non-root user.
#
#   docker build --build-arg WHISPER_MODEL=large-v3-turbo -t jdr-job .     (`make image` does this with Cloud Build)
#
# WHISPER_MODEL: large-v3-turbo (default; ggml q8_0, 874 MB) or large-v3 (q5_0, 1.1 GB; slower, a little more
# accurate). Any size scripts/download-model.ts knows works (medium, small…). The model is fixed per image: the job's
# WHISPER_MODEL_SIZE must name it (Terraform sets both from whisper_model).
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates cmake curl g++ make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# whisper-cli from the whisper.cpp sources inside the nodejs-whisper package, same script and flags as `make install`:
# bin/ holds whisper-cli, its shared libraries (found by rpath $ORIGIN) and one libggml-cpu-<variant>.so per CPU level
# (AVX2 to AVX-512/AMX), of which ggml loads the best one the Cloud Run host supports at start.
COPY scripts/build-whisper.sh scripts/
RUN bash scripts/build-whisper.sh

# Models, before the application code so that a code change does not download them again: the Whisper model named
# by WHISPER_MODEL, and 3D-Speaker's CAM++ speaker model (Apache-2.0, the ONNX export published by sherpa-onnx),
# checked against the SHA-256 in scripts/model-sources.ts, by the same script as `make model`. The two build
# arguments below replace that URL and hash (a mirror); empty, the script's own are used.
COPY lib/errors.ts lib/
COPY job/engines/whisper-model.ts job/engines/speaker-model.ts job/engines/
COPY scripts/download-model.ts scripts/model-sources.ts scripts/
ARG WHISPER_MODEL=large-v3-turbo
ARG SPEAKER_MODEL_URL=
ARG SPEAKER_MODEL_SHA256=
RUN npx tsx scripts/download-model.ts "$WHISPER_MODEL" --dir /models \
 && printf 'whisper %s (scripts/download-model.ts)\nspeaker-embedding.onnx sha256 %s\n' "$WHISPER_MODEL" \
      "$(sha256sum /models/speaker-embedding.onnx | cut -d' ' -f1)" > /models/SOURCES.txt \
 && cat /models/SOURCES.txt

COPY tsconfig.json tsconfig.build.json ./
COPY lib lib
COPY job job
COPY functions functions
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
           node_modules/onnxruntime-node/bin/napi-v*/linux/arm64

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# ffmpeg decodes the recordings; libgomp1 is whisper-cli's OpenMP runtime; the word lists tell the glossary which
# words are ordinary French and English (job/stages/wordlist.ts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates ffmpeg libgomp1 wfrench wamerican wbritish \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG WHISPER_MODEL=large-v3-turbo
ENV NODE_ENV=production \
    WHISPER_CLI=/app/vendor/whisper.cpp/bin/whisper-cli \
    WHISPER_MODEL_DIR=/app/models \
    WHISPER_MODEL_SIZE=${WHISPER_MODEL} \
    SPEAKER_MODEL_PATH=/app/models/speaker-embedding.onnx
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/vendor/whisper.cpp/bin ./vendor/whisper.cpp/bin
COPY --from=build /models ./models
USER node
# Fails the build, not a session, when a binary, a library or a model is wrong. whisper-cli names the CPU variant it
# loaded (on the build machine's CPU; a Cloud Run host may pick another); none loaded means a missing library.
RUN "$WHISPER_CLI" --help > /tmp/whisper-help 2>&1 && grep -q '^usage:' /tmp/whisper-help \
 && grep '^load_backend: loaded CPU backend from ' /tmp/whisper-help && rm /tmp/whisper-help \
 && node --input-type=module -e "const m = await import('/app/dist/job/engines/whisper-model.js'); console.log('whisper model:', m.resolveWhisperModel({ dir: process.env.WHISPER_MODEL_DIR, size: process.env.WHISPER_MODEL_SIZE }));" \
 && node --input-type=module -e "const m = await import('/app/dist/job/engines/embedder-onnx.js'); const e = await m.OnnxSpeakerEmbedder.create({ modelPath: process.env.SPEAKER_MODEL_PATH }); console.log('speaker model:', e.description);" \
 && ffmpeg -hide_banner -version | head -n 1 \
 && node --input-type=module -e "const m = await import('/app/dist/job/stages/wordlist.js'); const w = await m.loadOrdinaryWords(['fr']); if (w.missing.length) throw new Error('no word list for ' + w.missing); console.log('word lists:', w.files.join(' '));"
ENTRYPOINT ["node", "/app/dist/job/main.js"]
