#!/usr/bin/env bash
# Translation catalogs: extract the messages, update the catalogs, compile the .mo files.
# The staff interface speaks fr/en/nl; the person's space twelve languages (config.SPACE_LOCALES):
# each catalog holds every message, but only the space's messages must be translated in the nine
# others (tests/space/test_languages.py). scripts/fill_translations.py --pending folds in the
# translations of i18n-pending/*.json.
#
#   scripts/i18n.sh            extract → update (or create) each catalog → compile
#   scripts/i18n.sh compile    compile only (after editing a .po file)
#
# The .mo files are committed so that a plain `pip install .` ships them; tests/test_translations.py
# fails when a .mo is stale, a message is missing from a catalog or lacks its fr/nl translation.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=integration_centre/translations
POT="$DIR/messages.pot"
LOCALES=(fr en nl ar fa ps ti uk ru tr es so)
KEYWORDS=(-k _ -k _l -k gettext -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2)

compile() {
  for locale in "${LOCALES[@]}"; do
    pybabel compile --statistics -d "$DIR" -D messages -l "$locale"
  done
}

if [ "${1:-}" = "compile" ]; then
  compile
  exit 0
fi

mkdir -p "$DIR"
NEW_POT="$(mktemp)"
trap 'rm -f "$NEW_POT"' EXIT
pybabel extract -F babel.cfg "${KEYWORDS[@]}" --no-default-keywords \
  --project integration_centre --version 0.1 --copyright-holder "integration_centre" \
  --msgid-bugs-address "" --add-location file --sort-by-file --width 100 \
  -o "$NEW_POT" .
# Keep the catalogs untouched when only the extraction date changed (no churn in git).
if [ -f "$POT" ] && diff -q <(grep -v '^"POT-Creation-Date' "$POT") <(grep -v '^"POT-Creation-Date' "$NEW_POT") >/dev/null; then
  echo "messages unchanged since the last extraction"
else
  cp "$NEW_POT" "$POT"
fi

for locale in "${LOCALES[@]}"; do
  if [ -f "$DIR/$locale/LC_MESSAGES/messages.po" ]; then
    pybabel update -i "$POT" -d "$DIR" -D messages -l "$locale" \
      --no-fuzzy-matching --ignore-obsolete --width 100
  else
    pybabel init -i "$POT" -d "$DIR" -D messages -l "$locale" --width 100
  fi
done
compile
