# Drops or moves the paragraph macros scdoc 1.11 emits where roff ignores
# them (after .TH/.SH/.SS, before a heading, twice in a row, before .RE:
# moved after it), so `mandoc -Tlint -W warning` has nothing to say.
function heading(l) { return l ~ /^\.(TH|SH|SS)( |$)/ }
{
	if ($0 == ".P") {
		if (!heading(last))
			held = 1
		next
	}
	if (held && $0 == ".RE") {
		print
		last = $0
		next
	}
	if (held && !heading($0))
		print ".P"
	held = 0
	print
	last = $0
}
