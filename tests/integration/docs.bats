#!/usr/bin/env bats
# The documentation keeps up with the binary: the man pages build clean, name
# every option `--help` prints and every config key the parser accepts, and
# the README stays a short introduction.

load helpers

setup_file() {
	export MAN_BUILD="$BATS_FILE_TMPDIR/build"
	make -s -C "$ROOT" BUILD="$MAN_BUILD" man
}

# The page as plain text; mandoc does not hyphenate, and a wide page keeps
# each synopsis on one line.
page_text() {
	mandoc -Tascii -O width=200 "$MAN_BUILD/man/$1" | col -bx
}

# The words of @1 that page @2 does not contain as whole words.
missing_from_page() {
	local words=$1 page=$2 text w
	text=$(page_text "$page")
	for w in $words; do
		grep -qE -- "(^|[^[:alnum:]_-])${w}([^[:alnum:]_-]|$)" <<<"$text" || echo "$w"
	done
}

subcommands() {
	"$HIVEMON" --help | awk '/^commands:/ { on = 1; next } on && !NF { exit } on { print $1 }'
}

@test "both man pages build and mandoc -Tlint has nothing to say" {
	for page in hivemon.8 hivemon.conf.5; do
		[ -s "$MAN_BUILD/man/$page" ]
		run mandoc -Tlint -W warning "$MAN_BUILD/man/$page"
		assert_success
		assert_output ""
	done
}

@test "hivemon(8) names every subcommand and every long option its --help prints" {
	local sub opts all="" missing=""
	for sub in $(subcommands); do
		page_text hivemon.8 | grep -qE "^ +hivemon ${sub}( |$)" || missing+=" $sub"
		opts=$("$HIVEMON" "$sub" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
		all+=" $opts"
		missing+=" $(missing_from_page "$opts" hivemon.8)"
	done
	# The parsing itself must find something, or this test proves nothing.
	[ "$(subcommands | wc -l)" -ge 3 ]
	[ "$(tr ' ' '\n' <<<"$all" | sort -u | grep -c .)" -ge 10 ]
	if [ -n "${missing// /}" ]; then
		echo "not in hivemon(8):$missing" >&2
		return 1
	fi
}

# The text of section [@1...] of hivemon.conf(5): from its heading to the next.
conf_section() {
	page_text hivemon.conf.5 | awk -v s="$1" '
		/^[^ ]/ { on = index($0, "[" s "]") == 1 || index($0, "[" s " ") == 1; next }
		on'
}

@test "hivemon.conf(5) documents every key the parser accepts, in its section" {
	run "$HIVEMON" check-config --keys
	assert_success
	local keys=$output section key missing=""
	[ "$(grep -c . <<<"$keys")" -ge 20 ]
	while read -r section key; do
		conf_section "$section" | grep -qE "^ +${key//./\\.} = " ||
			missing+=" [$section] $key"
	done <<<"$keys"
	if [ -n "$missing" ]; then
		echo "not in hivemon.conf(5):$missing" >&2
		return 1
	fi
}

@test "the README is a short introduction that names the two set-up commands" {
	local lines link
	lines=$(wc -l <"$ROOT/README.md")
	[ "$lines" -le 250 ] || {
		echo "README.md has $lines lines (at most 250)" >&2
		return 1
	}
	grep -q 'sudo make run' "$ROOT/README.md"
	grep -q 'sudo make test' "$ROOT/README.md"
	# Every relative link leads to a file of the tree.
	for link in $(grep -oE '\]\([^)#]+' "$ROOT/README.md" | sed 's/^](//' | grep -v '://'); do
		[ -e "$ROOT/$link" ] || {
			echo "README.md links to missing $link" >&2
			return 1
		}
	done
}
