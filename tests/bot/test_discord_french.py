"""A French member, in a French server, sees no English: the whole interview with a refused
answer, help, back and the free-text form, the result, a quick check, their data, a
stranger's click and the staff commands, each looked for every English catalog text."""

from __future__ import annotations

import json
from typing import Any

from dialogs.bank import default_bank
from dialogs.messages import text
from tests.english import english_in
from tests.transcript import EBOOK_STEPS, EPHEMERAL, JSON, MODAL, STAFF, Harness

FRENCH_DESCRIPTION = "Un guide PDF de boulangerie au levain, en téléchargement immédiat."


def french_label(english: str) -> str:
    """The French label of the shipped option whose English label this is."""
    for step in default_bank().steps:
        for option in step.options:
            if option.label == english:
                return text(f"bank.{step.id}.{option.id}.label", "fr")
    raise AssertionError(f"no option is labelled {english!r}")


FRENCH_STEPS: list[str | list[str]] = [
    step if isinstance(step, list) else french_label(step) for step in EBOOK_STEPS
]


def shown(body: JSON) -> str:
    """The text a member reads in a message body, an embed, its components or a modal."""
    return json.dumps(body, ensure_ascii=False)


def assert_french(advisor: Harness, *, before: int = 0) -> None:
    bodies = advisor.message_bodies()[before:]
    assert bodies
    for body in bodies:
        assert english_in(shown(body)) == [], shown(body)


async def test_a_french_member_sees_the_whole_journey_in_french(advisor: Harness) -> None:
    guild = advisor.double.world.guilds[advisor.double.guild_id]
    guild["preferred_locale"] = "fr"
    advisor.locale = "fr"

    _, helped = await advisor.slash("help")
    assert helped["data"]["embeds"][0]["fields"][0]["name"] == "Comment il décide"

    _, checked = await advisor.slash("check", {"description": "I sell Notion templates, pay once"})
    embed = checked["data"]["embeds"][0]
    assert embed["title"] == "Produit numérique"
    assert embed["title"] == "Produit numérique" and "Produit numérique" not in embed["description"]
    _, unreadable = await advisor.slash("check", {"description": "\u202e"})
    assert unreadable["data"]["content"].startswith("Je ne peux pas lire cette description : ")

    message_id = await advisor.start()
    assert advisor.title(message_id) == "Où en êtes-vous avec cette offre aujourd'hui ?"
    await advisor.answer(message_id, FRENCH_STEPS[0])
    # Three refused answers in a row bring the explanation, in French.
    for _ in range(3):
        refused = await advisor.answer(message_id, ["nonsense"])
    fields = {field["name"]: field["value"] for field in refused["data"]["embeds"][0]["fields"]}
    assert fields["Cette réponse n'a pas fonctionné"].startswith("«\u00a0nonsense\u00a0» ne fait pas partie")
    assert "Par exemple :" in fields["Je vous l'explique autrement"]
    _, help_reply = await advisor.press(message_id, "Aide")
    assert help_reply["data"]["content"].startswith(text("bank.offering_kind.help", "fr"))
    await advisor.press(message_id, "Retour")
    await advisor.answer(message_id, FRENCH_STEPS[0])
    for step in FRENCH_STEPS[1:]:
        await advisor.answer(message_id, step)
    _, modal = await advisor.press(message_id, "Écrire ma réponse")
    assert modal["type"] == MODAL and len(modal["data"]["title"]) <= 45
    _, result = await advisor.type_answer(message_id, FRENCH_DESCRIPTION, button="Écrire ma réponse")
    result_embed = result["data"]["embeds"][0]
    assert result_embed["title"] == "Produit numérique"
    assert result_embed["description"].startswith("**Un résultat net, sûr à 95\u00a0%**")
    for label in ("Toutes les raisons", "Feuille de route complète", "Graphique", "Lecture ITIL 4"):
        _, part = await advisor.press(message_id, label)
        assert part["data"]["flags"] & EPHEMERAL and part["data"]["embeds"]

    _, again = await advisor.slash("result")
    assert again["data"]["embeds"][0]["title"] == "Produit numérique"
    _, history = await advisor.slash("history")
    assert history["data"]["embeds"][0]["title"] == "Vos résultats"
    preview, shared = await advisor.slash("share")
    assert shared["data"]["content"].startswith("Voici ce qui sera publié dans ce salon")
    assert "Produit numérique" in shared["data"]["embeds"][0]["title"]
    assert preview.original_message is not None
    _, posted = await advisor.press(str(preview.original_message["id"]), "Publier")
    assert posted["data"]["content"] == "Publié dans ce salon."
    _, exported = await advisor.slash("export")
    assert exported["data"]["content"] == (
        "Tout ce qui est enregistré à votre sujet : 1 résultat et 0 entretien en cours."
    )
    asked, forget = await advisor.slash("forget")
    assert forget["data"]["content"].startswith("Cela efface tous les entretiens")
    assert asked.original_message is not None
    _, kept = await advisor.press(str(asked.original_message["id"]), "Garder mes données")
    assert kept["data"]["content"] == "Rien n'a été effacé."

    # Someone else's click on this member's interview.
    stranger = advisor.double.world.add_user("stranger")
    again_id = await advisor.start()
    _, refused_stranger = await advisor.press(again_id, french_label("Just starting"), user=stranger)
    assert refused_stranger["data"]["content"].startswith("Cet entretien appartient à quelqu'un d'autre.")
    # Cancel asks first, once an answer would be lost.
    await advisor.answer(again_id, FRENCH_STEPS[0])
    _, asked_cancel = await advisor.press(again_id, "Annuler")
    assert asked_cancel["data"]["embeds"][0]["title"] == "Annuler cet entretien ?"

    assert_french(advisor)


async def test_french_staff_see_their_commands_in_french(seeded_advisor: Harness) -> None:
    advisor = seeded_advisor
    advisor.double.world.guilds[advisor.double.guild_id]["preferred_locale"] = "fr"
    advisor.locale = "fr"
    replies: list[dict[str, Any]] = []
    for sub, options in (
        ("summary", None),
        ("summary", {"period": "7d"}),
        ("dropoff", None),
        ("settings", None),
        ("settings", {"weekly_digest": True}),
        ("settings", {"expiry_days": 500}),
    ):
        _, reply = await advisor.staff(sub, options)
        replies.append(reply)
    summary = replies[0]["data"]["embeds"][0]
    assert summary["title"] == "Offering Advisor : les 30 derniers jours"
    assert replies[0]["data"]["flags"] & EPHEMERAL  # the moderator's own view first
    assert "membres" in summary["fields"][0]["value"] and summary["fields"][2]["name"] == "Types d'offre"
    assert [field["name"] for field in summary["fields"]][:2] == ["Entretiens", "Ce que vendent les membres"]
    assert replies[2]["data"]["content"] == "Abandons par question, depuis le début."
    assert replies[3]["data"]["embeds"][0]["title"] == "Réglages actuels"
    assert replies[4]["data"]["content"].startswith("Le récapitulatif hebdomadaire a besoin d'un salon")
    assert replies[5]["data"]["content"] == (
        "`expiry_days` doit être un nombre entier de jours, de 1 à 90 ; rien n'a changé."
    )
    handle, _ = await advisor.staff("summary")
    assert handle.original_message is not None
    _, posted = await advisor.press(
        str(handle.original_message["id"]), "Publier dans le salon", permissions=STAFF
    )
    assert posted["data"]["content"] == "Publié pour le salon."
    _, not_staff = await advisor.staff("summary", permissions=0)
    assert not_staff["data"]["content"] == "Il faut la permission Gérer le serveur sur ce serveur."
    csv = next(
        file
        for request in advisor.double.requests
        for file in request.files
        if file.filename.endswith(".csv")
    )
    assert "Où en êtes-vous avec cette offre aujourd'hui ?" in csv.data.decode("utf-8")
    assert_french(advisor)


async def test_the_slash_commands_are_described_in_french_too(advisor: Harness) -> None:
    commands = {c["name"]: c for scope in advisor.double.commands.values() for c in scope.values()}
    group = commands["advisor"]
    assert group["description"] == "Work out what you are really selling"
    assert group["description_localizations"]["fr"] == "Découvrez ce que vous vendez vraiment"
    start = next(option for option in group["options"] if option["name"] == "start")
    assert start["description_localizations"]["fr"].startswith("Commencer l'entretien")
    staff = commands["advisor-staff"]
    summary = next(option for option in staff["options"] if option["name"] == "summary")
    period = summary["options"][0]
    assert {choice["value"]: choice["name_localizations"]["fr"] for choice in period["choices"]}["7d"] == (
        "les 7 derniers jours"
    )
    # Names stay as they are, so the commands the bot's messages quote are the ones to type.
    assert "name_localizations" not in group or not group["name_localizations"]
