#!/usr/bin/env bash
# Builds the Debian package from build/ (cpack -G DEB) and checks it, as scripts/test.sh does:
#  1. the binary's build does not need doctest (a configure with the tests off and doctest hidden);
#  2. the package holds the binary, the man page, both completions and the license;
#  3. its Depends cover every shared library the binary loads (dpkg-shlibdeps wrote them);
#  4. as root, `apt-get install ./pgtote_*.deb` installs it, pgtote and `man pgtote` run, and it
#     is removed again (PGTOTE_PACKAGE_INSTALL=0 skips this step).
# Usage: scripts/package.sh [BUILD_DIR]   (default build/, configured and built as scripts/test.sh does)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
install_deps dpkg-dev zsh groff-base man-db
build=${1:-build}
work=$(mktemp -d /tmp/pgtote-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "package: $*" >&2; exit 1; }

echo "== the binary builds without doctest (configure with PGTOTE_BUILD_TESTS=OFF)"
cmake -S . -B "$work/no-tests" --no-warn-unused-cli -DPGTOTE_BUILD_TESTS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON >/dev/null ||
  fail "configuring with PGTOTE_BUILD_TESTS=OFF failed"

echo "== cpack -G DEB"
cmake --build "$build" -j"$(nproc)" --target pgtote pgtote_docs_files >/dev/null
rm -f "$build"/pgtote_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/pgtote_*.deb)
echo "$deb"

echo "== its files"
dpkg-deb -x "$deb" "$work/root"
for file in usr/bin/pgtote usr/share/man/man1/pgtote.1.gz usr/share/bash-completion/completions/pgtote \
            usr/share/zsh/vendor-completions/_pgtote usr/share/doc/pgtote/copyright; do
  [ -f "$work/root/$file" ] || fail "the package lacks /$file"
done
"$work/root/usr/bin/pgtote" --version
zcat "$work/root/usr/share/man/man1/pgtote.1.gz" | groff -man -Tutf8 -ww -z 2>"$work/groff.log" || true
[ ! -s "$work/groff.log" ] || { cat "$work/groff.log" >&2; fail "groff warns about the man page"; }
bash -n "$work/root/usr/share/bash-completion/completions/pgtote" || fail "the bash completion is not valid bash"
zsh -n "$work/root/usr/share/zsh/vendor-completions/_pgtote" || fail "the zsh completion is not valid zsh"
# The bash completion completes: commands, a command's flags, a flag's values.
completes() {  # "the words typed", a word the completion must offer
  local offered
  offered=$(bash -c 'source "$1"; COMP_WORDS=($2); [[ $2 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                     _pgtote; printf "%s\n" "${COMPREPLY[@]}"' _ "$work/root/usr/share/bash-completion/completions/pgtote" "$1")
  grep -qx -- "$2" <<<"$offered" || fail "bash completion of '$1' does not offer $2 (offers: $(echo $offered))"
}
completes "pgtote ex" export
completes "pgtote import --sk" --skip-conflicts
completes "pgtote import x.json --existing " keep
completes "pgtote help in" inspect

echo "== its dependencies cover every library the binary links (the rest come with those)"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
depended=" $(sed -E 's/ \([^)]*\)//g; s/,//g' <<<"$depends") "  # " libc6 libpq5 ... "
for needed in $(readelf -d "$work/root/usr/bin/pgtote" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  library=$(ldd "$work/root/usr/bin/pgtote" | awk -v name="$needed" '$1 == name {print $3}')
  [ -n "$library" ] || fail "ldd does not find $needed"
  package=$(dpkg -S "$(readlink -f "$library")" 2>/dev/null || dpkg -S "$library" 2>/dev/null) ||
    fail "no package owns $library"
  package=${package%%:*}
  [[ $depended == *" $package "* ]] || fail "$library comes from $package, which Depends lacks"
done

if [ "${PGTOTE_PACKAGE_INSTALL:-1}" = 1 ] && [ "$(id -u)" = 0 ]; then
  echo "== apt-get install ./$(basename "$deb")"
  [ ! -e /usr/bin/pgtote ] || dpkg -s pgtote >/dev/null 2>&1 || fail "/usr/bin/pgtote exists and is not from the package"
  cp "$deb" "$work/"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$work/$(basename "$deb")" >/dev/null
  trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq pgtote >/dev/null; rm -rf "$work"' EXIT
  /usr/bin/pgtote --version
  /usr/bin/pgtote help import | grep -q "pgtote import" || fail "pgtote help import from the package failed"
  man -w pgtote >/dev/null || fail "man pgtote does not find the page"
  MANWIDTH=80 man pgtote 2>/dev/null | grep -q "EXIT STATUS" || fail "man pgtote does not show the page"
fi
echo "== package: passed"
