FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY flows flows
COPY transforms transforms
COPY schemas schemas
COPY warehouse warehouse
COPY sources sources
RUN pip install --no-cache-dir -e .
ENTRYPOINT ["medinst"]
