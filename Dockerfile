FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md prefect.yaml ./
COPY flows flows
COPY transforms transforms
COPY schemas schemas
COPY warehouse warehouse
COPY sources sources
# scale: prefect-dask (and dask.distributed), for the Dask scheduler and workers of docker-compose.yml
RUN pip install --no-cache-dir -e ".[scale]"
ENTRYPOINT ["medinst"]
