# Installs pgtote's build and test dependencies from Debian's packages when any is missing.
# Source it, then call install_deps. Needs root (or sudo) only when something must be installed.

PGTOTE_PACKAGES=(cmake g++ make pkg-config python3 libpq-dev libsimdjson-dev rapidjson-dev
                 libcxxopts-dev doctest-dev libyaml-cpp-dev libzstd-dev zlib1g-dev libssl-dev postgresql postgresql-client)

install_deps() {
  local missing=() package
  for package in "${PGTOTE_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "missing packages (${missing[*]}) and not root: install them first" >&2; return 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
