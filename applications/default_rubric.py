"""The programme's default rubric, made when the database is migrated (or emptied, as
tests do) if there is none: four criteria on a scale of 1 to 4. The programme manager
changes it in the admin; each call copies it, and its coordinator may adjust the copy
until the first score."""

SCALE = 4

# (criterion, what readers look for, weight, what each score from 1 to 4 means)
CRITERIA = [
    (
        "What the applicant would gain",
        "How clearly they say what they want to learn, and why it matters to their work.",
        3,
        [
            "Little sense of what they would learn or why it matters.",
            "Some aims, loosely tied to their work.",
            "Clear aims that would develop their work.",
            "Clear, specific aims that would change how they and their team work.",
        ],
    ),
    (
        "What they would share back",
        "How they would pass on what they learn, at home and with their hosts.",
        2,
        [
            "No plan to share what they learn.",
            "A general intention to share.",
            "A clear plan to share with their team.",
            "A specific plan to share across their organisation and beyond.",
        ],
    ),
    (
        "Benefit to both organisations",
        "What the home organisation and the host would each gain from the placement.",
        2,
        [
            "A benefit to one side only, or none that is clear.",
            "Some benefit to both.",
            "A clear benefit to both organisations.",
            "A strong, lasting benefit to both organisations and to the sector.",
        ],
    ),
    (
        "Fit with what the destination can offer",
        "Whether the departments they ask for can host what they hope to do.",
        2,
        [
            "Not something the destination can offer.",
            "Partly within what the destination can offer.",
            "Well matched to the destination's departments.",
            "Closely matched to departments that can host it.",
        ],
    ),
]
