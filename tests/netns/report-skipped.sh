#!/bin/sh
# report-skipped.sh FILE: print why namespace tests were skipped (guard.sh writes FILE), since
# ctest itself shows no output of a skipped test. Each case of a program is a test of its own,
# and all of them give the program's one reason: it is printed once.
[ -s "$1" ] || exit 0
echo "skipped namespace tests:"
sort -u "$1" | sed 's/^/  /'
