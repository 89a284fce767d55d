# One image for every seagrid stage; compose.yaml picks the stage by command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY services ./services
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["seagrid"]
