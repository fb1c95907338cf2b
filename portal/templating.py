"""Jinja filters: the portal's formatting (``portal.formatting``) for templates."""
from __future__ import annotations

from flask import Flask

from .formatting import (
    decimal,
    first_upper,
    labels,
    london,
    london_date,
    london_month,
    london_time,
    long_date,
    number,
    percent,
    pounds,
    price,
    short_date,
)
from .models import ACCESSIBILITY, NEEDS


def register_filters(app: Flask) -> None:
    app.add_template_filter(labels)
    app.add_template_filter(pounds)
    app.add_template_filter(price)
    app.add_template_filter(london)
    app.add_template_filter(london_date)
    app.add_template_filter(london_time)
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_filter(number)
    app.add_template_filter(first_upper)
    app.add_template_filter(decimal)
    app.add_template_filter(london_month)
    app.add_template_filter(percent)

    @app.context_processor
    def service_globals():
        return {"service_name": app.config["SERVICE_NAME"], "area_name": app.config["AREA_NAME"],
                "NEEDS": NEEDS, "ACCESSIBILITY": ACCESSIBILITY}
