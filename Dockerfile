# One image for every seagrid stage; compose.yaml picks the stage by command.
#
# Stage 1 installs MapLibre GL JS from npm (package-lock.json pins it; the postinstall script
# copies its dist build into frontend/vendor/). Stage 2 installs seagrid with pip: setup.py
# copies the map (frontend/index.html, src/, styles/, i18n/, vendor/) into the package as
# services/web/frontend/, so the installed seagrid serves the map from site-packages and
# the image carries neither node nor node_modules.

FROM node:20-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
COPY frontend/scripts ./scripts
RUN npm ci --no-audit --no-fund --loglevel=error && test -s vendor/maplibre-gl.js

FROM python:3.11-slim
# WeasyPrint (PDF reports) needs pango; the CJK font draws the zh-CN reports and charts.
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY services ./services
COPY frontend ./frontend
COPY --from=frontend /src/frontend/vendor ./frontend/vendor
# SEAGRID_REQUIRE_MAP makes setup.py fail instead of warning when vendor/ is incomplete.
RUN SEAGRID_REQUIRE_MAP=1 pip install --no-cache-dir . \
 && python -c "from services.web.map_files import PACKAGED, map_problem; assert map_problem(PACKAGED) is None" \
 && rm -rf /src
# No root: a fixed uid owns nothing but /tmp; configuration is mounted read-only at /config.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent seagrid
USER 10001:10001
WORKDIR /tmp
ENV PYTHONUNBUFFERED=1 \
    SEAGRID_HEALTH_URL=http://127.0.0.1:8000/readyz
# Every process answers HTTP probes; compose.yaml points SEAGRID_HEALTH_URL at the
# --metrics-port /healthz of `seagrid run STAGE`, the web keeps /readyz on its own port.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-m", "services.core.probe"]
EXPOSE 8000
ENTRYPOINT ["seagrid"]
CMD ["serve", "--demo", "--host", "0.0.0.0"]
