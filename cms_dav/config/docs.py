"""The README's configuration table, rendered from the settings' own descriptions.

``python -m cms_dav.config.docs`` prints it; a test keeps the README's copy equal.
"""

from __future__ import annotations

from cms_dav.config.settings import OPTIONS

BEGIN = "<!-- settings table: python -m cms_dav.config.docs -->"
END = "<!-- end of settings table -->"


def markdown_table() -> str:
    """One row per setting, grouped by section in config file order."""
    rows = ["| section | option | default | meaning |", "|---|---|---|---|"]
    previous = ""
    for each in OPTIONS:
        section = f"`[{each.section}]`" if each.section != previous else ""
        previous = each.section
        default = each.default_text()
        if not default.startswith("`") and default != "empty" and " " not in default:
            default = f"`{default}`"
        rows.append(f"| {section} | `{each.key}` | {default} | {each.help} |")
    rows.append("| `[radicale:NAME]` | Radicale's options | | passed to Radicale's own "
                "`[NAME]` section, except the plugin choices and what a setting above "
                "sets (refused with the setting to use) |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(BEGIN)
    print(markdown_table(), end="")
    print(END)
