# Turns packaging/server.ini.example into the packaged /etc/mtlsvpn/server.ini
# (debian/rules): the same comments and defaults, with the gateway's own
# files left for the admin to set and the lease file in the state directory.
1a\
#\
# *** The gateway refuses to start until you set ca, cert and key in\
# *** [gateway] below: until then it stops with\
# ***   /etc/mtlsvpn/server.ini:LINE [gateway] ca: required key is missing ...\
#\
# The gateway runs as user mtlsvpn (mtlsvpn-server.service), so it must be\
# able to read those files. On a new gateway, as root (docs/admin-guide.md):\
#   mtlsvpnctl ca init --name "Example Corp VPN CA"     # the CA: /var/lib/mtlsvpn/ca\
#   mtlsvpnctl ca issue-server vpn.example.com --out /etc/mtlsvpn\
#   cp /var/lib/mtlsvpn/ca/ca.crt /etc/mtlsvpn/ca.crt\
#   chown mtlsvpn: /etc/mtlsvpn/vpn.example.com.key\
# then set ca, cert and key below (remove the ';'), check the file with\
#   mtlsvpn-server -c /etc/mtlsvpn/server.ini --check-config\
# and start the gateway: systemctl enable --now mtlsvpn-server
s|^ca = ca\.crt$|;ca = /etc/mtlsvpn/ca.crt|
s|^cert = server\.crt$|;cert = /etc/mtlsvpn/vpn.example.com.crt|
s|^key = server\.key$|;key = /etc/mtlsvpn/vpn.example.com.key|
s|^;lease_file = leases$|lease_file = /var/lib/mtlsvpn/gateway/leases|
s|^;audit_log = audit.json$|audit_log = /var/log/mtlsvpn/audit.json|
