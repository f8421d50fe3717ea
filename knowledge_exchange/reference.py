"""The reference volume: ten programme years of a national scheme, built in SQL.

`build(scale)` fills an empty, migrated PostgreSQL database with the volume the
pages are measured at (`seed_reference_volume`, `benchmark_pages`): 500
organisations, 101,000 people, about 100,000 applications, 55,000 placements with
their day plans, 31,000 expense claims, 155,000 evaluation responses and 138,000
reminders. Rows are written set-based (INSERT ... SELECT over generate_series and
the rows already written) with the database's triggers paused, and every rule those
triggers hold, and every foreign key, is then checked by `violations()`.

The people who hold the biggest lists sign in with `PASSWORD` (see `DEMO_PEOPLE`).
"""

import datetime
from dataclasses import dataclass
from typing import Any, cast

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from partners.models import User
from partners.services import programme_managers_group_sync
from placements.models import BOOKED_KINDS_SQL, HOLDS_DATES_SQL

PASSWORD = "reference-volume-2026"  # noqa: S105 (a documented login to a throwaway database)

HOST = 1  # the host of every year
BIG_PARTNER = 2  # a partner in every year, with the most staff of any partner

# Who holds the biggest lists, by id (see `_people`).
DEMO_PEOPLE = {
    "manager": ("manager@reference.example", 1),
    "host_coordinator": ("coordinator@host.reference.example", 2),
    "supervisor": ("supervisor@host.reference.example", 3),
    "host_staff": ("staff@host.reference.example", 4),
    "partner_coordinator": ("coordinator@partner.reference.example", None),
    "partner_staff": ("staff@partner.reference.example", None),
}


@dataclass(frozen=True)
class Volume:
    """How much to build: `scale` 1 is the reference volume."""

    scale: float = 1.0
    organisations: int = 500
    years: int = 10
    partners_a_year: int = 50

    @property
    def people(self) -> int:
        return max(int(101_000 * self.scale), 3_000)

    @property
    def host_staff(self) -> int:
        return max(int(20_000 * self.scale), 600)

    @property
    def partner_staff(self) -> int:
        return max(int(2_000 * self.scale), 60)

    @property
    def first_partner_member(self) -> int:
        return self.host_staff + 2  # the manager is 1, the host's staff 2..host_staff+1

    @property
    def first_other_member(self) -> int:
        return self.first_partner_member + self.partner_staff


def build(volume: Volume, *, today: datetime.date) -> dict[str, int]:
    """Fill the (empty, migrated) database; returns the rows written per table."""
    last = today.year
    params: dict[str, Any] = {
        "host": HOST,
        "big": BIG_PARTNER,
        "orgs": volume.organisations,
        "others": volume.organisations - 2,
        "people": volume.people,
        "host_last": volume.host_staff + 1,
        "partner_first": volume.first_partner_member,
        "other_first": volume.first_other_member,
        "first_year": last - volume.years + 1,
        "last_year": last,
        "per_year": volume.partners_a_year - 1,  # besides the big partner
        "today": today,
        "now": timezone.now(),
        "password": make_password(PASSWORD),
        "unusable": make_password(None),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # Triggers (and the foreign keys, which are triggers too) pause for the load;
        # check constraints and unique indexes still hold every row. What the
        # triggers would have refused is looked for afterwards (violations()).
        cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in STATEMENTS:
            cursor.execute(statement, params)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        _reset_sequences(cursor)
    _demo_logins(volume)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts()


def counts() -> dict[str, int]:
    tables = [
        "partners_organisation",
        "partners_user",
        "partners_programmeyear",
        "partners_partnership",
        "applications_call",
        "applications_application",
        "applications_endorsement",
        "applications_reader",
        "applications_assignment",
        "applications_score",
        "placements_placement",
        "placements_placementday",
        "placements_plansession",
        "placements_budgetline",
        "placements_expenseclaim",
        "evaluations_response",
        "evaluations_testimonial",
        "core_reminder",
    ]
    with connection.cursor() as cursor:
        found = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (constant names)
            found[table] = cursor.fetchone()[0]
    return found


def violations() -> dict[str, int]:
    """For each rule the database's triggers hold, and each foreign key, the rows that
    break it (all zero when the volume is sound)."""
    found = {}
    with connection.cursor() as cursor:
        for rule, sql in [*TRIGGER_RULES.items(), *_foreign_key_rules().items()]:
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS broken")  # noqa: S608
            found[rule] = cursor.fetchone()[0]
    return found


def _foreign_key_rules() -> dict[str, str]:
    rules = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = cast(type[models.Model], field.related_model)
            child, parent = model._meta.db_table, target._meta.db_table
            column = field.column
            rules[f"{child}.{column} refers to a {parent} row"] = (
                f"SELECT 1 FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {parent} p WHERE p.{field.target_field.column} = c.{column})"
            )
    return rules


def _reset_sequences(cursor) -> None:
    """Rows were written with ids of their own: the next id follows the last."""
    for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
        cursor.execute(statement)


def _demo_logins(volume: Volume) -> None:
    """The people who hold the biggest lists: verified addresses, the manager's group."""
    programme_managers_group_sync().user_set.add(User.objects.get(pk=1))
    for email, _pk in demo_people(volume).values():
        user = User.objects.get(email=email)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )


def demo_people(volume: Volume) -> dict[str, tuple[str, int]]:
    """Each demo role's email address and id."""
    ids = {
        "partner_coordinator": volume.first_partner_member,
        "partner_staff": volume.first_partner_member + 1,
    }
    return {role: (email, pk or ids[role]) for role, (email, pk) in DEMO_PEOPLE.items()}


# Each person's organisation: the host's staff, the big partner's, then everyone else
# spread over the other organisations (3 to 500).
_ORGANISATION_OF = """
    CASE WHEN u.id <= %(host_last)s THEN %(host)s
         WHEN u.id < %(other_first)s THEN %(big)s
         ELSE 3 + (u.id %% %(others)s) END
"""

STATEMENTS = [
    # Organisations: the host, the big partner, and 498 more (one in ten can host).
    """
    INSERT INTO partners_organisation
        (id, name, slug, kind, nation, region, town, website, can_host, email_domains)
    SELECT n,
           CASE n WHEN 1 THEN 'Reference Host Museum' WHEN 2 THEN 'Reference Partner Museum'
                  ELSE 'Organisation ' || lpad(n::text, 3, '0') END,
           'organisation-' || n,
           (ARRAY['museum', 'gallery', 'heritage', 'library_archive', 'other'])[1 + n %% 5],
           (ARRAY['england', 'scotland', 'wales', 'northern_ireland'])[1 + n %% 4],
           'Region ' || (n %% 12), 'Town ' || (n %% 97), '',
           n = 1 OR n %% 10 = 0, ''
    FROM generate_series(1, %(orgs)s) AS n
    """,
    # People. Passwords are unusable but for the demo people (DEMO_PEOPLE).
    """
    INSERT INTO partners_user
        (id, password, is_superuser, is_staff, is_active, date_joined, email, full_name,
         call_emails)
    SELECT n,
           CASE WHEN n <= 4 OR n IN (%(partner_first)s, %(partner_first)s + 1)
                THEN %(password)s ELSE %(unusable)s END,
           false, n = 1, true, %(now)s,
           CASE n WHEN 1 THEN 'manager@reference.example'
                  WHEN 2 THEN 'coordinator@host.reference.example'
                  WHEN 3 THEN 'supervisor@host.reference.example'
                  WHEN 4 THEN 'staff@host.reference.example'
                  WHEN %(partner_first)s THEN 'coordinator@partner.reference.example'
                  WHEN %(partner_first)s + 1 THEN 'staff@partner.reference.example'
                  ELSE 'person-' || n || '@reference.example' END,
           (ARRAY['Alex', 'Bethan', 'Catrin', 'Dafydd', 'Eilidh', 'Fiona', 'Gareth', 'Hannah',
                  'Iwan', 'Jo', 'Kirsty', 'Lewis', 'Morag', 'Niamh', 'Owen', 'Priya'])[1 + n %% 16]
           || ' ' ||
           (ARRAY['Ahmed', 'Baker', 'Campbell', 'Davies', 'Evans', 'Fraser', 'Griffiths',
                  'Hughes', 'Jones', 'Kelly', 'Lewis', 'Morgan', 'Nelson', 'Owens', 'Patel',
                  'Roberts', 'Smith', 'Thomas', 'Walker', 'Young'])[1 + (n / 16) %% 20]
           || ' ' || n,
           true
    FROM generate_series(1, %(people)s) AS n
    """,
    # Each person belongs to one organisation; its lowest id coordinates it.
    f"""
    INSERT INTO partners_membership
        (user_id, organisation_id, role, job_title, department, created_at)
    SELECT u.id, {_ORGANISATION_OF}, 'staff',
           (ARRAY['Curator', 'Conservator', 'Learning officer', 'Digital producer',
                  'Visitor host', 'Archivist', 'Registrar', 'Exhibitions officer'])[1 + u.id %% 8],
           'Department ' || (u.id %% 7),
           %(now)s
    FROM partners_user u WHERE u.id > 1
    """,  # noqa: S608 (only the constant _ORGANISATION_OF is interpolated)
    """
    UPDATE partners_membership m SET role = 'coordinator'
    FROM (SELECT organisation_id, min(user_id) AS first FROM partners_membership
          GROUP BY organisation_id) AS f
    WHERE m.organisation_id = f.organisation_id AND m.user_id = f.first
    """,
    # Ten years, the last the current one, all hosted by the host.
    """
    INSERT INTO partners_programmeyear
        (id, year, host_id, partner_target, budget, partners_confirmed_by, calls_open_on,
         calls_close_on, decisions_by, placements_start_on, placements_end_on, evaluations_due_on,
         follow_up_on, reminders_off, created_at, updated_at)
    SELECT y - %(first_year)s + 1, y, %(host)s, %(per_year)s + 1, 3000000,
           make_date(y, 1, 31), make_date(y, 3, 2), make_date(y, 4, 17), make_date(y, 5, 8),
           make_date(y, 6, 1),
           make_date(y, 12, 18), make_date(y + 1, 1, 29), make_date(y + 1, 6, 30), '[]',
           %(now)s, %(now)s
    FROM generate_series(%(first_year)s, %(last_year)s) AS y
    """,
    # The big partner every year, and 49 others taking turns.
    """
    INSERT INTO partners_partnership
        (year_id, organisation_id, status, sends_to_host, hosts_from_host, invited_at,
         confirmed_at)
    SELECT y.id, o, 'confirmed', 10, 10, %(now)s, %(now)s
    FROM partners_programmeyear y,
         LATERAL (SELECT %(big)s AS o
                  UNION ALL
                  SELECT 3 + ((y.id * %(per_year)s + k) %% %(others)s)
                  FROM generate_series(0, %(per_year)s - 1) AS k) AS chosen
    """,
    # A call from the host and from each partner, every year.
    """
    INSERT INTO applications_call
        (year_id, organisation_id, opens_at, closes_at, decisions_released_at, places,
         eligibility, guidance, created_at, updated_at)
    SELECT y.id, o.organisation_id,
           make_timestamptz(y.year, 3, 2, 9, 0, 0, 'Europe/London'),
           make_timestamptz(y.year, 4, 17, 17, 0, 0, 'Europe/London'),
           make_timestamptz(y.year, 5, 8, 9, 0, 0, 'Europe/London'),
           30000, 'Every member of staff, at any level.', 'Tell us what you would learn.',
           %(now)s, %(now)s
    FROM partners_programmeyear y
    JOIN (SELECT year_id, organisation_id FROM partners_partnership
          UNION ALL SELECT id, host_id FROM partners_programmeyear) AS o ON o.year_id = y.id
    """,
    # Where each call's staff may go: the host's call to the year's partners, each
    # partner's to the host.
    """
    INSERT INTO applications_call_destinations (call_id, organisation_id)
    SELECT c.id, CASE WHEN c.organisation_id = y.host_id THEN p.organisation_id ELSE y.host_id END
    FROM applications_call c
    JOIN partners_programmeyear y ON y.id = c.year_id
    JOIN partners_partnership p ON p.year_id = c.year_id
     AND (c.organisation_id = y.host_id OR p.organisation_id = c.organisation_id)
    """,
    # Applications: a quarter of the host's staff each year (to one of the year's
    # partners), half of each partner's (to the host). Half are selected.
    """
    INSERT INTO applications_application
        (call_id, applicant_id, status, job_title, department, specialism, career_level,
         line_manager_name, line_manager_email, first_preference_id, learning_goals,
         can_share, departments_of_interest, availability, access_requirements,
         decision_reason, reserve_since, submitted_at, decided_at, destination_id,
         host_response, host_response_note, selected_without_endorsement, created_at,
         updated_at, accept_by, place_answer, place_answered_at)
    SELECT c.id, m.user_id, s.status, m.job_title, 'Department ' || (m.user_id %% 7),
           (ARRAY['curatorial', 'collections', 'learning', 'exhibitions', 'digital', 'visitor',
                  'communications', 'archives'])[1 + m.user_id %% 8],
           (ARRAY['entry', 'early', 'mid', 'senior', 'head'])[1 + m.user_id %% 5],
           'Line Manager ' || (m.user_id / 20),
           'manager-' || (m.user_id / 20) || '@reference.example',
           pref.organisation_id,
           'To learn how another collection is cared for.', 'Our approach to community work.',
           'Collections; learning', 'Any week in the summer',
           CASE WHEN m.user_id %% 23 = 0 THEN 'Step-free access, please.' ELSE '' END,
           CASE WHEN s.status = 'declined' THEN 'Other applications matched the call better.'
                ELSE '' END,
           CASE WHEN s.status = 'reserve' THEN make_timestamptz(y.year, 5, 1, 9, 0, 0) END,
           CASE WHEN s.status <> 'draft' THEN make_timestamptz(y.year, 4, 10, 12, 0, 0) END,
           CASE WHEN s.status IN ('selected', 'declined', 'reserve')
                THEN make_timestamptz(y.year, 5, 1, 9, 0, 0) END,
           CASE WHEN s.status = 'selected' THEN pref.organisation_id END,
           '', '', false, make_timestamptz(y.year, 3, 20, 12, 0, 0), %(now)s,
           -- Each person selected accepted their place within the fortnight given.
           CASE WHEN s.status = 'selected' THEN make_timestamptz(y.year, 5, 15, 23, 59, 0) END,
           CASE WHEN s.status = 'selected' THEN 'accepted' ELSE '' END,
           CASE WHEN s.status = 'selected' THEN make_timestamptz(y.year, 5, 4, 9, 0, 0) END
    FROM applications_call c
    JOIN partners_programmeyear y ON y.id = c.year_id
    JOIN partners_membership m ON m.organisation_id = c.organisation_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN h < 57 THEN 'selected' WHEN h < 80 THEN 'declined'
                    WHEN h < 88 THEN 'reserve' WHEN h < 93 THEN 'withdrawn'
                    WHEN h < 97 THEN 'draft' ELSE 'shortlisted' END AS status
        FROM (SELECT (m.user_id * 31 + y.year * 17) %% 100 AS h) AS hashed
    ) AS s
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.organisation_id <> %(host)s THEN %(host)s
                    ELSE (SELECT p.organisation_id FROM partners_partnership p
                          WHERE p.year_id = y.id ORDER BY p.organisation_id
                          OFFSET (m.user_id %% (%(per_year)s + 1)) LIMIT 1) END
               AS organisation_id
    ) AS pref
    WHERE (m.user_id * 7 + y.year * 3) %% 100
          < CASE WHEN c.organisation_id = %(host)s THEN 25 ELSE 51 END
       OR m.user_id IN (4, %(partner_first)s + 1)
    """,
    # Every submitted application asked its line manager, who endorsed it.
    """
    INSERT INTO applications_endorsement
        (application_id, line_manager_name, line_manager_email, token_hash, requested_by_id,
         sent_at, expires_at, decision, comment, decided_at)
    SELECT a.id, a.line_manager_name, a.line_manager_email,
           md5('endorse' || a.id) || md5(a.id::text),
           a.applicant_id, a.submitted_at, a.submitted_at + interval '14 days',
           'endorsed', '', a.submitted_at + interval '2 days'
    FROM applications_application a WHERE a.status <> 'draft'
    """,
    # Each call's rubric, a copy of the programme's default (made by migrate).
    """
    INSERT INTO applications_rubric (call_id, scale, created_at, updated_at)
    SELECT c.id, d.scale, %(now)s, %(now)s
    FROM applications_call c
    CROSS JOIN (SELECT scale FROM applications_rubric WHERE call_id IS NULL) AS d
    """,
    """
    INSERT INTO applications_criterion
        (rubric_id, position, title, guidance, weight, descriptor_1, descriptor_2,
         descriptor_3, descriptor_4, descriptor_5)
    SELECT r.id, d.position, d.title, d.guidance, d.weight, d.descriptor_1, d.descriptor_2,
           d.descriptor_3, d.descriptor_4, d.descriptor_5
    FROM applications_rubric r
    JOIN applications_criterion d
      ON d.rubric_id = (SELECT id FROM applications_rubric WHERE call_id IS NULL)
    WHERE r.call_id IS NOT NULL
    """,
    # Readers: one in two hundred of the call's organisation's staff, and at least
    # its first four (the host's demo staff member reads for every host call).
    """
    INSERT INTO applications_reader (call_id, user_id, organisation_id, added_by_id, added_at)
    SELECT c.id, m.user_id, c.organisation_id, NULL, make_timestamptz(y.year, 4, 1, 9, 0, 0)
    FROM applications_call c
    JOIN partners_programmeyear y ON y.id = c.year_id
    JOIN (SELECT user_id, organisation_id,
                 row_number() OVER (PARTITION BY organisation_id ORDER BY user_id) AS rank
          FROM partners_membership WHERE role = 'staff') AS m
      ON m.organisation_id = c.organisation_id
    WHERE m.user_id %% 200 = 3 OR m.rank <= 4
    """,
    # Two readers for each submitted application, taken in turn from the call's
    # readers (never the applicant, who then has one); each declared no conflict
    # and submitted, except for one in thirty, who declared a line manager conflict.
    """
    INSERT INTO applications_assignment
        (application_id, reader_id, state, conflict, conflict_note, declared_at, comment,
         submitted_at, assigned_by_id, assigned_at)
    SELECT a.id, r.user_id,
           CASE WHEN (a.id + o.turn) %% 30 = 0 THEN 'conflict' ELSE 'assigned' END,
           CASE WHEN (a.id + o.turn) %% 30 = 0 THEN 'line_manager' ELSE 'none' END,
           '', a.submitted_at + interval '3 days', '',
           CASE WHEN (a.id + o.turn) %% 30 = 0 THEN NULL
                ELSE a.submitted_at + interval '5 days' END,
           NULL, a.submitted_at + interval '1 day'
    FROM applications_application a
    CROSS JOIN (VALUES (0), (1)) AS o (turn)
    JOIN (SELECT call_id, user_id,
                 row_number() OVER (PARTITION BY call_id ORDER BY user_id) - 1 AS k,
                 count(*) OVER (PARTITION BY call_id) AS n
          FROM applications_reader) AS r
      ON r.call_id = a.call_id AND r.k = (a.id + o.turn) %% r.n
    WHERE a.status <> 'draft' AND r.user_id <> a.applicant_id
    """,
    # Each submitted reading scores every criterion of the call's rubric, 1 to 4.
    """
    INSERT INTO applications_score (assignment_id, criterion_id, score, comment, updated_at)
    SELECT s.id, cr.id, 1 + (s.id * 7 + cr.position * 3 + s.application_id) %% 4, '',
           s.submitted_at
    FROM applications_assignment s
    JOIN applications_application a ON a.id = s.application_id
    JOIN applications_rubric ru ON ru.call_id = a.call_id
    JOIN applications_criterion cr ON cr.rubric_id = ru.id
    WHERE s.submitted_at IS NOT NULL
    """,
    # A placement for each selected application, a week from June to December at
    # the destination, supervised by one of its staff: at the host, one in a
    # hundred by the demo supervisor. This year's that have not ended wait for
    # approval or are confirmed; one in fifty of the past was cancelled.
    """
    INSERT INTO placements_placement
        (application_id, year_id, participant_id, home_id, host_id, supervisor_id, start_on,
         end_on, status, proposed_by_id, proposed_at, home_approved_by_id, home_approved_at,
         host_approved_by_id, host_approved_at, decision_note, created_at, updated_at)
    SELECT a.id, y.id, a.applicant_id, c.organisation_id, a.destination_id, sup.id,
           w.start_on, w.start_on + 4,
           CASE WHEN w.start_on + 4 < %(today)s
                THEN CASE WHEN a.id %% 50 = 0 THEN 'cancelled' ELSE 'completed' END
                WHEN a.id %% 4 = 0 THEN 'proposed'
                WHEN a.id %% 9 = 0 THEN 'changes_requested'
                ELSE 'confirmed' END,
           hc.coordinator, make_timestamptz(y.year, 5, 15, 9, 0, 0),
           hc.coordinator, make_timestamptz(y.year, 5, 16, 9, 0, 0),
           CASE WHEN w.start_on + 4 < %(today)s OR (a.id %% 4 <> 0 AND a.id %% 9 <> 0)
                THEN dc.coordinator END,
           CASE WHEN w.start_on + 4 < %(today)s OR (a.id %% 4 <> 0 AND a.id %% 9 <> 0)
                THEN make_timestamptz(y.year, 5, 17, 9, 0, 0) END,
           '', %(now)s, %(now)s
    FROM applications_application a
    JOIN applications_call c ON c.id = a.call_id
    JOIN partners_programmeyear y ON y.id = c.year_id
    CROSS JOIN LATERAL (
        SELECT y.placements_start_on
               + (8 - extract(isodow FROM y.placements_start_on)::int) %% 7
               + 7 * (a.id %% 28)::int AS start_on
    ) AS w
    CROSS JOIN LATERAL (
        SELECT min(user_id) AS coordinator FROM partners_membership
        WHERE organisation_id = c.organisation_id
    ) AS hc
    CROSS JOIN LATERAL (
        SELECT min(user_id) AS coordinator FROM partners_membership
        WHERE organisation_id = a.destination_id
    ) AS dc
    CROSS JOIN LATERAL (
        SELECT CASE WHEN a.destination_id = %(host)s AND a.id %% 100 = 0 THEN 3
                    WHEN a.destination_id = %(host)s THEN 5 + a.id %% (%(host_last)s - 4)
                    ELSE dc.coordinator END AS id
    ) AS sup
    WHERE a.status = 'selected'
    """,
    # Each placement's five days, and a morning and an afternoon on each.
    """
    INSERT INTO placements_placementday (placement_id, number, date)
    SELECT p.id, d, p.start_on + d - 1 FROM placements_placement p, generate_series(1, 5) AS d
    """,
    """
    INSERT INTO placements_plansession
        (day_id, starts_at, ends_at, activity, department, contact, updated_by_id)
    SELECT d.id, t.starts_at, t.ends_at, t.activity, 'Collections', 'Host contact', NULL
    FROM placements_placementday d,
         (VALUES (time '09:30', time '12:30', 'Behind the scenes in the stores'),
                 (time '13:30', time '16:30', 'Working alongside the team')) AS t
             (starts_at, ends_at, activity)
    """,
    # Each placement's travel budget; claims for three in five of those that ended.
    """
    INSERT INTO placements_budgetline (placement_id, kind, amount, note, claimed)
    SELECT p.id, 'travel', 150 + p.id %% 100, '', false FROM placements_placement p
    """,
    """
    INSERT INTO placements_expenseclaim
        (placement_id, kind, description, spent_on, amount, receipt, receipt_name,
         receipt_sha256, status, query_note, submitted_at, decided_at)
    SELECT p.id, (ARRAY['subsistence', 'other'])[1 + p.id %% 2],
           'Expenses of the week', p.start_on, 20 + p.id %% 180,
           p.id || '/receipt-' || p.id || '.pdf', 'receipt.pdf', md5(p.id::text) || md5(p.id::text),
           CASE WHEN y.year < %(last_year)s OR p.id %% 3 = 0 THEN 'approved'
                WHEN p.id %% 3 = 1 THEN 'submitted' ELSE 'queried' END,
           CASE WHEN y.year = %(last_year)s AND p.id %% 3 = 2
                THEN 'Please send the return ticket too.' ELSE '' END,
           p.end_on + time '17:00',
           CASE WHEN y.year < %(last_year)s OR p.id %% 3 = 0 THEN p.end_on + 9 + time '09:00' END
    FROM placements_placement p JOIN partners_programmeyear y ON y.id = p.year_id
    WHERE p.status = 'completed' AND p.id %% 5 < 3
    """,
    # Evaluations: a baseline before every confirmed or completed placement; after a
    # completed one, the participant's evaluation, the host's feedback (four in five)
    # and, for earlier years, the follow-up (one in four).
    """
    INSERT INTO evaluations_response
        (placement_id, instrument, status, respondent_id, knowledge_sharing, confidence,
         reflection, motivation, aim_knowledge, aim_relationships, aim_insight,
         aim_sustainable, reflections, shared_at_home, comments, created_at, updated_at,
         submitted_at)
    SELECT p.id, i.instrument, 'submitted',
           CASE WHEN i.instrument = 'host_feedback' THEN p.supervisor_id ELSE p.participant_id END,
           1 + (p.id + i.n) %% 5, 1 + (p.id + 2 * i.n) %% 5, 1 + (p.id + 3 * i.n) %% 5,
           1 + (p.id + 4 * i.n) %% 5,
           CASE WHEN i.aims THEN 1 + (p.id + i.n) %% 5 END,
           CASE WHEN i.aims THEN 2 + (p.id + i.n) %% 4 END,
           CASE WHEN i.aims THEN 3 + (p.id + i.n) %% 3 END,
           CASE WHEN i.aims THEN 1 + p.id %% 5 END,
           CASE WHEN i.aims THEN 'I learnt how they plan exhibitions.' ELSE '' END,
           CASE WHEN i.instrument = 'follow_up' THEN 'A talk to my team.' ELSE '' END,
           '', %(now)s, %(now)s, %(now)s
    FROM placements_placement p
    JOIN partners_programmeyear y ON y.id = p.year_id
    JOIN (VALUES ('baseline', 1, false), ('post_exchange', 2, true),
                 ('host_feedback', 3, false), ('follow_up', 4, true)) AS i (instrument, n, aims)
      ON i.instrument = 'baseline' AND p.status IN ('confirmed', 'completed')
      OR i.instrument = 'post_exchange' AND p.status = 'completed'
      OR i.instrument = 'host_feedback' AND p.status = 'completed' AND p.id %% 5 <> 0
      OR i.instrument = 'follow_up' AND p.status = 'completed' AND p.id %% 4 = 0
         AND y.year < %(last_year)s
    """,
    # A published testimonial from one placement in fifty.
    """
    INSERT INTO evaluations_testimonial
        (placement_id, author_id, kind, text, status, consent_statement, consent_given_at,
         decided_by_id, decided_at, decision_note, created_at)
    SELECT p.id, p.participant_id, 'quote', 'A week that changed how I work.', 'published',
           'I agree that the programme may publish these words.', %(now)s, 1, %(now)s, '',
           %(now)s
    FROM placements_placement p WHERE p.status = 'completed' AND p.id %% 50 = 1
    """,
    # The reminders the sweep sent: a week before each placement to its participant
    # and supervisor, and the evaluation due to the participant of one in two.
    """
    INSERT INTO core_reminder
        (kind, object_id, object_repr, email, recipient_id, occasion, year_id, context,
         sweep, queued_at, sent_at, subject)
    SELECT 'placement_starting', p.id, 'Placement ' || p.id, u.email, u.id,
           'start-' || to_char(p.start_on, 'YYYYMMDD'), p.year_id, '{}',
           md5('sweep' || p.start_on)::uuid, p.start_on - 7, p.start_on - 7,
           'Your placement starts soon'
    FROM placements_placement p
    JOIN partners_user u ON u.id IN (p.participant_id, p.supervisor_id)
    WHERE p.start_on - 7 < %(today)s
    """,
    """
    INSERT INTO core_reminder
        (kind, object_id, object_repr, email, recipient_id, occasion, year_id, context,
         sweep, queued_at, sent_at, subject)
    SELECT 'evaluation_due', p.id, 'Placement ' || p.id, u.email, u.id, 'due', p.year_id, '{}',
           md5('sweep' || p.end_on)::uuid, p.end_on + 1, p.end_on + 1,
           'Your evaluation is due'
    FROM placements_placement p JOIN partners_user u ON u.id = p.participant_id
    WHERE p.status = 'completed' AND p.id %% 2 = 0
    """,
]

# The rules each trigger holds, as queries for the rows that would break them.
TRIGGER_RULES = {
    "partners_partnership_not_host": """
        SELECT 1 FROM partners_partnership p JOIN partners_programmeyear y ON y.id = p.year_id
        WHERE p.organisation_id = y.host_id""",
    "partners_partnership_within_target": """
        SELECT 1 FROM partners_partnership p JOIN partners_programmeyear y ON y.id = p.year_id
        WHERE p.status = 'confirmed' GROUP BY y.id, y.partner_target
        HAVING count(*) > y.partner_target""",
    "applications_call_by_year_institution": """
        SELECT 1 FROM applications_call c JOIN partners_programmeyear y ON y.id = c.year_id
        WHERE c.organisation_id <> y.host_id AND NOT EXISTS (
            SELECT 1 FROM partners_partnership p WHERE p.year_id = c.year_id
            AND p.organisation_id = c.organisation_id AND p.status = 'confirmed')""",
    "applications_application_own_organisation": """
        SELECT 1 FROM applications_application a JOIN applications_call c ON c.id = a.call_id
        WHERE NOT EXISTS (SELECT 1 FROM partners_membership m
                          WHERE m.user_id = a.applicant_id
                          AND m.organisation_id = c.organisation_id)""",
    "applications_application_within_places": """
        SELECT 1 FROM applications_application a JOIN applications_call c ON c.id = a.call_id
        WHERE a.status = 'selected' GROUP BY c.id, c.places HAVING count(*) > c.places""",
    "applications_reader_belongs": """
        SELECT 1 FROM applications_reader r JOIN applications_call c ON c.id = r.call_id
        WHERE NOT EXISTS (SELECT 1 FROM partners_membership m
                          WHERE m.user_id = r.user_id AND m.organisation_id = r.organisation_id)
           OR (r.organisation_id <> c.organisation_id AND NOT EXISTS (
               SELECT 1 FROM applications_call_destinations d
               WHERE d.call_id = r.call_id AND d.organisation_id = r.organisation_id))""",
    "applications_assignment_not_own": """
        SELECT 1 FROM applications_assignment s
        JOIN applications_application a ON a.id = s.application_id
        WHERE a.applicant_id = s.reader_id""",
    "applications_assignment_by_reader": """
        SELECT 1 FROM applications_assignment s
        JOIN applications_application a ON a.id = s.application_id
        WHERE NOT EXISTS (SELECT 1 FROM applications_reader r
                          WHERE r.call_id = a.call_id AND r.user_id = s.reader_id)""",
    "applications_score_allowed": """
        SELECT 1 FROM applications_score sc
        JOIN applications_assignment s ON s.id = sc.assignment_id
        JOIN applications_application a ON a.id = s.application_id
        JOIN applications_criterion cr ON cr.id = sc.criterion_id
        JOIN applications_rubric ru ON ru.id = cr.rubric_id
        WHERE s.conflict NOT IN ('', 'none') OR ru.call_id <> a.call_id
           OR sc.score < 1 OR sc.score > ru.scale""",
    "placements_placement_within_window": """
        SELECT 1 FROM placements_placement p JOIN partners_programmeyear y ON y.id = p.year_id
        WHERE p.start_on < y.placements_start_on OR p.end_on > y.placements_end_on
           OR extract(year FROM p.end_on) <> y.year""",
    "placements_placement_no_overlap": f"""
        SELECT 1 FROM placements_placement p JOIN placements_placement q
          ON q.participant_id = p.participant_id AND q.id > p.id
         AND q.start_on <= p.end_on AND p.start_on <= q.end_on
        WHERE p.status IN ({HOLDS_DATES_SQL}) AND q.status IN ({HOLDS_DATES_SQL})""",  # noqa: S608
    "placements_placement_supervisor_at_host": """
        SELECT 1 FROM placements_placement p WHERE NOT EXISTS (
            SELECT 1 FROM partners_membership m
            WHERE m.user_id = p.supervisor_id AND m.organisation_id = p.host_id)""",
    "placements_claim_of_a_booking_is_allowed": f"""
        SELECT 1 FROM placements_expenseclaim e
        WHERE e.kind IN ({BOOKED_KINDS_SQL}) AND NOT EXISTS (
            SELECT 1 FROM placements_budgetline b
            WHERE b.placement_id = e.placement_id AND b.kind = e.kind AND b.claimed)""",  # noqa: S608
    "evaluations_response_when_due": """
        SELECT 1 FROM evaluations_response r JOIN placements_placement p ON p.id = r.placement_id
        WHERE (r.instrument = 'baseline' AND p.status NOT IN ('confirmed', 'completed'))
           OR (r.instrument <> 'baseline' AND p.status <> 'completed')""",
}


def database_name(name: str | None = None) -> str:
    """The reference volume's own database: `<the configured name>_reference`."""
    return name or f"{settings.DATABASES['default']['NAME']}_reference"


def use_database(name: str, *, create: bool = False) -> None:
    """Point the default connection at `name`, (re)creating it empty first if asked."""
    if connection.vendor != "postgresql":
        raise CommandError("The reference volume needs PostgreSQL: set DATABASE_URL.")
    if create:
        with connection._nodb_cursor() as cursor:
            quoted = connection.ops.quote_name(name)
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {quoted}")
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
