"""Evaluations, in the browser: the participant saves part of the baseline survey, is
told what is missing, and submits it; after the placement the participant and the
supervisor answer theirs, and the manager and a coordinator read the report; a
consented testimonial is published, then taken down when consent is withdrawn."""

import re

import pytest
from playwright.sync_api import expect

from placements.models import Placement
from tests.browser.conftest import expect_problem, sign_in
from tests.factories.partners import PASSWORD
from tests.factories.placements import confirmed_a

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_participant_saves_then_submits_the_baseline_survey(page, live_server, axe, cast):
    confirmed_a(cast)
    sign_in(page, live_server, cast.staff.email, password=PASSWORD)
    page.get_by_role("link", name="Your evaluations").click()
    expect(page.get_by_role("heading", name="Your evaluations")).to_be_visible()
    axe(page)
    expect(
        page.get_by_role("listitem").filter(has_text="Post-exchange evaluation")
    ).to_contain_text("opens once the placement is completed")
    page.get_by_role("link", name=re.compile(r"^Start\W+Baseline survey")).click()
    axe(page)

    def rate(question, answer):
        page.get_by_role("group", name=re.compile(question)).get_by_label(answer).check()

    rate("Confidence", "3: moderate")
    page.get_by_label("Anything else").fill("Looking forward to it.")
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Continue\W+Baseline survey")).click()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Answer this question before submitting.").first).to_be_visible()
    expect(page.get_by_label("Anything else")).to_have_value("Looking forward to it.")
    axe(page)
    rate("Knowledge-sharing", "4: high")
    rate("Time for reflection", "2: low")
    rate("Motivation", "5: very high")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()
    axe(page)
    page.get_by_role("link", name=re.compile(r"^read your answers\W+Baseline survey")).click()
    expect(page.get_by_text("3: moderate")).to_be_visible()
    axe(page)


def test_a_consented_testimonial_is_published_and_taken_down_when_consent_is_withdrawn(
    page, live_server, axe, cast
):
    placement = confirmed_a(cast)
    Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.COMPLETED)
    words = "I came home with three new ways to share our stores with visitors."

    # The participant writes a quote; without ticking consent it is refused.
    sign_in(page, live_server, cast.staff.email, password=PASSWORD)
    page.get_by_role("link", name="Your testimonials").click()
    axe(page)
    page.get_by_role("link", name="Write about your placement at Host Test Museum").click()
    page.get_by_label("Your words").fill(words)
    page.get_by_role("button", name="Offer it for publication").click()
    expect_problem(page, "Tick the box to agree to publication")
    axe(page)
    page.get_by_label(re.compile("I agree that the programme may publish")).check()
    page.get_by_role("button", name="Offer it for publication").click()
    expect(page.get_by_text("Waiting for the programme manager")).to_be_visible()
    axe(page)

    # The manager publishes it, and the public reads it.
    page.context.clear_cookies()
    sign_in(page, live_server, cast.manager.email, password=PASSWORD)
    page.goto(f"{live_server.url}/admin/evaluations/testimonial/")
    page.get_by_role("link", name="Publish or not").click()
    expect(page.get_by_role("heading", name=re.compile("Publish the testimonial"))).to_be_visible()
    axe(page)
    page.get_by_role("radio", name="Publish", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Published: it is on the programme page now.")).to_be_visible()
    page.context.clear_cookies()
    page.goto(live_server.url)
    testimonials = page.get_by_role("region", name="What participants say")
    expect(testimonials).to_contain_text(words)
    axe(page)

    # The participant withdraws consent; it is gone at once.
    sign_in(page, live_server, cast.staff.email, password=PASSWORD)
    page.get_by_role("link", name="Your testimonials").click()
    page.get_by_role("link", name=re.compile("^Withdraw your consent")).click()
    axe(page)
    page.get_by_role("button", name="Withdraw my consent").click()
    expect(page.get_by_text("Your consent is withdrawn")).to_be_visible()
    page.context.clear_cookies()
    page.goto(live_server.url)
    expect(page.get_by_text(words)).to_have_count(0)


def test_after_the_placement_both_answer_and_the_report_shows_it(page, live_server, axe, cast):
    placement = confirmed_a(cast)
    Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.COMPLETED)

    def rate(question, answer):
        page.get_by_role("group", name=re.compile(question)).get_by_label(answer).check()

    # The participant answers the post-exchange evaluation, aims and reflections too.
    sign_in(page, live_server, cast.staff.email, password=PASSWORD)
    page.get_by_role("link", name="Your evaluations").click()
    page.get_by_role("link", name=re.compile(r"^Start\W+Post-exchange evaluation")).click()
    expect(page.get_by_role("heading", name=re.compile("Post-exchange evaluation"))).to_be_visible()
    axe(page)
    for outcome in ("Knowledge-sharing", "Confidence", "Time for reflection", "Motivation"):
        rate(outcome, "4: high")
    for aim in ("Individual and organisational", "Relationships", "Insight", "Sustainable"):
        rate(aim, "5: fully")
    page.get_by_label("Your reflections").fill("Three days in the stores changed how I work.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()
    axe(page)

    # The supervisor gives the host's feedback.
    page.context.clear_cookies()
    sign_in(page, live_server, cast.supervisor.email, password=PASSWORD)
    page.get_by_role("link", name="Your evaluations").click()
    page.get_by_role("link", name=re.compile(r"^Start\W+Host supervisor's feedback")).click()
    axe(page)
    for outcome in ("Knowledge-sharing", "Confidence", "Time for reflection", "Motivation"):
        rate(outcome, "5: very high")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()

    # The manager reads the report: each chart is named, and its table holds the figures.
    page.context.clear_cookies()
    sign_in(page, live_server, cast.manager.email, password=PASSWORD)
    page.get_by_role("link", name="Evaluation report").click()
    expect(page.get_by_role("heading", name="Evaluation report", level=1)).to_be_visible()
    page.get_by_label("Year", exact=True).select_option("2031")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="2031: all organisations")).to_be_visible()
    expect(page.get_by_role("img", name="Response rate by evaluation, per cent")).to_be_visible()
    rates = page.get_by_role("table", name="Response rates: the figures")
    expect(rates.get_by_role("row", name=re.compile("Post-exchange evaluation"))).to_contain_text(
        "100%"
    )
    expect(page.get_by_role("img", name=re.compile("Ratings of each outcome"))).to_be_visible()
    aims = page.get_by_role("table", name="How far the aims were met: the figures")
    expect(aims.get_by_role("row", name=re.compile("Relationships built"))).to_contain_text("100%")
    axe(page)

    # A's coordinator reads their own organisation's, with one person's answers withheld.
    page.context.clear_cookies()
    sign_in(page, live_server, cast.coordinator.email, password=PASSWORD)
    page.get_by_role("link", name="Evaluation report for Ashmolean Test Museum").click()
    expect(
        page.get_by_role("heading", name=re.compile("Ashmolean Test Museum, placements"))
    ).to_be_visible()
    expect(page.get_by_text("fewer than 5").first).to_be_visible()
    axe(page)
