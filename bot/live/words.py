"""What live chat says to visitors, in the visitor's language (the tracker's `language` slot)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "online": "A member of our team is online now.",
        "closed": (
            "Our office is closed; leave your question and we will get back to you within 24 hours."
        ),
        "away": (
            "Nobody from our team is online right now; leave your question and we will get "
            "back to you within 24 hours."
        ),
        "queued": (
            "A member of our team is online now. I've asked them to join this chat: it usually "
            "takes a minute or two, and if nobody can take it within {minutes}, I'll say so and "
            "take your details instead. You can keep writing meanwhile; they will see it."
        ),
        "joined": "{name} from Aluma has joined the chat.",
        "handback": "{name} handed the chat back to the assistant. Ask me anything.",
        "ended": "{name} closed the chat. Thank you for talking with us.",
        "timeout": "Sorry, nobody from our team could take your chat just now.",
        "offline": "Sorry, our team has gone offline and cannot take your chat now.",
        "office_closed": "Our office has just closed, so nobody can take your chat now.",
        "followup": "{name} will follow up on your question after this chat.",
        "left": "{name} had to leave the chat.",
        "kept": "I've kept what you wrote as your question.",
    },
    "es": {
        "online": "Un miembro de nuestro equipo está en línea ahora.",
        "closed": (
            "Nuestra oficina está cerrada; deje su pregunta y le responderemos en un plazo de "
            "24 horas."
        ),
        "away": (
            "Nadie de nuestro equipo está en línea ahora; deje su pregunta y le responderemos "
            "en un plazo de 24 horas."
        ),
        "queued": (
            "Un miembro de nuestro equipo está en línea ahora. Le he pedido que se una a este "
            "chat: suele tardar uno o dos minutos, y si nadie puede atenderlo en {minutes}, se "
            "lo diré y tomaré sus datos. Puede seguir escribiendo; lo verán."
        ),
        "joined": "{name} de Aluma se ha unido al chat.",
        "handback": "{name} le ha devuelto al asistente. Pregúnteme lo que quiera.",
        "ended": "{name} ha cerrado el chat. Gracias por hablar con nosotros.",
        "timeout": "Lo sentimos, nadie de nuestro equipo pudo atender su chat ahora.",
        "offline": "Lo sentimos, nuestro equipo se ha desconectado y no puede atender su chat.",
        "office_closed": "Nuestra oficina acaba de cerrar y nadie puede atender su chat ahora.",
        "followup": "{name} le responderá a su pregunta después de este chat.",
        "left": "{name} tuvo que dejar el chat.",
        "kept": "He guardado lo que escribió como su pregunta.",
    },
}


def say(key: str, language: str | None, **values: str) -> str:
    table = WORDS.get(language or "en", WORDS["en"])
    return table[key].format(**values)


def minutes(seconds: float, language: str | None) -> str:
    count = max(1, round(seconds / 60))
    if language == "es":
        return f"{count} minuto{'s' if count != 1 else ''}"
    return f"{count} minute{'s' if count != 1 else ''}"
