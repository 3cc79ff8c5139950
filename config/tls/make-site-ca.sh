#!/usr/bin/env bash
# Makes a site CA, a server certificate for FMS and device certificates, for a test estate or a
# small site (docs/security.md#tls). Run again with more --device names to add devices: the CA in
# OUT_DIR is reused. Needs openssl.
#
#   config/tls/make-site-ca.sh OUT_DIR --server fms.riverside.local --server 10.0.0.5 \
#       --device riverside-pump-01 --device riverside-pump-02
#
# OUT_DIR/ca.crt        the site CA: FMS_MQTT_TLS_CA, and what devices and clients trust
# OUT_DIR/ca.key        the CA's key: keep it off the FMS host, offline if you can
# OUT_DIR/server.crt    FMS_MQTT_TLS_CERT and FMS_HTTP_TLS_CERT (names and addresses from --server)
# OUT_DIR/server.key    FMS_MQTT_TLS_KEY and FMS_HTTP_TLS_KEY
# OUT_DIR/devices/<asset id>.crt/.key   a device's certificate: its common name is the asset id
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
out=$1; shift
servers=(); devices=(); days=825
while [ $# -gt 0 ]; do
  case $1 in
    --server) servers+=("$2"); shift 2 ;;
    --device) devices+=("$2"); shift 2 ;;
    --days) days=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
command -v openssl >/dev/null || { echo "openssl is not installed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out/devices"
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -f "$out/ca.key" ]; then
  key "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -subj "/CN=FMS site CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$out/ca.crt"
  echo "made the site CA: $out/ca.crt"
fi

sign() { # sign NAME CSR OUT EXTENSIONS
  local ext; ext=$(mktemp); printf '%s\n' "$4" > "$ext"
  openssl x509 -req -in "$2" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -sha256 -days "$days" -extfile "$ext" -out "$3" 2>/dev/null
  rm -f "$ext" "$2"
  echo "made $3 ($1)"
}

if [ ${#servers[@]} -gt 0 ]; then
  san=""
  for s in "${servers[@]}"; do
    if [[ $s =~ ^[0-9.]+$ || $s == *:* ]]; then san+="IP:$s,"; else san+="DNS:$s,"; fi
  done
  key "$out/server.key"
  openssl req -new -key "$out/server.key" -subj "/CN=${servers[0]}" -out "$out/server.csr"
  sign "server ${servers[*]}" "$out/server.csr" "$out/server.crt" "subjectAltName=${san%,}
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"
fi

for d in "${devices[@]}"; do
  [[ $d =~ ^[A-Za-z0-9_-]{1,64}$ ]] || { echo "not an asset id: $d (expected 1-64 of A-Z a-z 0-9 _ -)" >&2; exit 2; }
  key "$out/devices/$d.key"
  openssl req -new -key "$out/devices/$d.key" -subj "/CN=$d" -out "$out/devices/$d.csr"
  sign "device $d" "$out/devices/$d.csr" "$out/devices/$d.crt" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
done
# Certificates are public; keys stay readable by their owner only (umask above).
chmod 644 "$out/ca.crt" "$out"/server.crt "$out"/devices/*.crt 2>/dev/null || true
