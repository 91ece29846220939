# DevOps Orchestra itself: one image for the gateway and every peer group.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS wheels
WORKDIR /src
COPY pyproject.toml README.md ./
COPY blackboard blackboard
COPY capabilities capabilities
COPY peers peers
COPY prompts prompts
COPY infra_templates infra_templates
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[fast]"

FROM ${BASE_IMAGE}
# git checks out the runs' commits; node/npm run the Node stages
RUN apt-get update \
    && apt-get install -y --no-install-recommends git=1:2.39.* nodejs=18.* npm=9.* \
    && rm -rf /var/lib/apt/lists/*
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 orchestra
USER 10001
WORKDIR /home/orchestra
ENV ORCHESTRA_CACHE_DIR=/home/orchestra/.cache/devops-orchestra
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["orchestra", "peer", "--check"]
ENTRYPOINT ["orchestra"]
CMD ["--help"]
