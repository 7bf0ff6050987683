"""The baseline for bench/inbound.py: a trivial Flask endpoint doing one INSERT per request."""

import os

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

engine = create_engine(os.environ["DATABASE_URL"], pool_size=10)
hits = Table(
    "bench_hits", MetaData(), Column("id", Integer, primary_key=True), Column("body", String(200))
)
app = Flask(__name__)


@app.post("/sms/inbound")
def inbound():
    with engine.begin() as connection:
        connection.execute(insert(hits).values(body="hit"))
    return "<Response/>", 200, {"Content-Type": "application/xml"}
