"""A root shell on each host: the guide's `ifconfig`, `ifdown storage`, `ifdown p1p1`, typed.

`HostShell(sim, "pacific").run("ifconfig")` returns what a RHEL host of the profile's era would
print: RHEL 6 net-tools for `rhev-3.3`, RHEL 8 for `ovirt-4.5`. The interfaces are the host's
NICs and, as VDSM builds them, one bridge per logical network named after the network
(`ovirtmgmt` over `em1`, `storage` over `p1p1`); a network is a VM network (bridged) by
default in the Administration Portal, and the model takes every network as one.

What the shell shows is read from the event log at the current time (`interfaces`), so it agrees
with the timeline: a name the admin brought down loses its UP flag (and `ifconfig` without `-a`
no longer lists it), a link without carrier loses RUNNING. Commands that change the host go
through `Simulation.inject`, so they are logged like a button press. Anything else answers as
bash does.

The session is an SSH connection from the admin's workstation, with its rules: `reboot` (or
`exit`) closes it, and so does the host losing power (the next command finds a broken pipe);
after that the prompt is the workstation's and nothing runs on the host until a new
`ssh root@HOST` succeeds, which it does only once the host has booted: powered off or without
its management link it answers "No route to host", while it boots "Connection refused", as
OpenSSH prints them. An open session stays open when the management network goes down (the
model keeps the guide's console-like session; only new connections need the network).
"""

from __future__ import annotations

import shlex
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from hacourse import events as ev
from hacourse.analysis import audit
from hacourse.model import Scenario
from hacourse.physical import PhysicalState


@dataclass(frozen=True)
class HostOs:
    """What a host of one engine era runs, as far as the shell shows it."""

    release: str
    ifconfig_style: str  # "net-tools-1.60" (RHEL 6) or "net-tools-2.10" (RHEL 8)
    restart_vdsm: str  # the command an admin types
    lo_mtu: int
    network_manager: bool  # ifup/ifdown go through NetworkManager (RHEL 8)


HOST_OS = {
    "rhev-3.3": HostOs("Red Hat Enterprise Linux Server release 6.5 (Santiago)", "net-tools-1.60",
                       "service vdsmd restart", 16436, False),
    "ovirt-4.5": HostOs("Red Hat Enterprise Linux release 8.9 (Ootpa)", "net-tools-2.10",
                        "systemctl restart vdsmd", 65536, True),
}
"""The host OS of each profile's era: RHEV 3.3 hypervisors ran RHEL 6 (VDSM 4.13, SysV init);
oVirt 4.5 runs on RHEL 8 / CentOS Stream 8 (systemd, NetworkManager)."""


@dataclass(frozen=True)
class Interface:
    """One network interface of a host at one moment, as the kernel reports it."""

    name: str
    kind: str  # "loopback", "ethernet" (a NIC) or "bridge" (a VDSM network)
    admin_up: bool  # the UP flag: `ifdown NAME` clears it
    running: bool  # carrier (RUNNING / LOWER_UP)
    port: str | None = None  # a bridge's NIC
    master: str | None = None  # a NIC's bridge
    address: str | None = None  # IPv4, on the bridge
    mac: str = "00:00:00:00:00:00"
    index: int = 1  # ifindex: the order `ip link` lists them in


def _mac(host: str, nic: str) -> str:
    digest = zlib.crc32(f"{host}/{nic}".encode())
    return "00:1a:4a:" + ":".join(f"{(digest >> s) & 0xFF:02x}" for s in (16, 8, 0))


def interfaces(log: Sequence[ev.Record], scenario: Scenario, host: str, t: float) -> list[Interface]:
    """The host's interfaces at time `t`, read off the log (in `ifconfig`'s order: by name).

    The model keeps one link per NIC and network: `ifdown storage` and `ifdown p1p1` both cut it,
    and an `ifup` of either name brings it back (both names up again). Which name the admin
    brought down is the last `FaultInjected` that named it; a power-on boots every interface up.
    """
    spec = scenario.host(host)
    link = PhysicalState.at(log, t, scenario).nic_up
    link_up = {nic: link[(host, nic)] for nic in spec.nics}
    downed: set[str] = set()
    for r in log:
        if r.t > t:
            break
        if isinstance(r, ev.NicUp) and r.host == host:
            downed -= {r.nic, r.network}  # the link is back: both its names are up
        elif isinstance(r, ev.FaultInjected) and r.host == host and r.target:
            if r.action == "ifdown":
                downed.add(r.target)
            elif r.action == "ifup":
                downed.discard(r.target)
        elif isinstance(r, ev.HostPoweredOn) and r.host == host:
            downed.clear()
    host_index = [h.name for h in scenario.hosts].index(host)
    nets = [n.name for n in scenario.networks]
    out = [Interface("lo", "loopback", True, True, address="127.0.0.1")]
    bridges: list[Interface] = []
    for nic, network in spec.nics.items():
        nic_up = nic not in downed
        carrier = link_up[nic] or network in downed  # a downed bridge leaves its port's carrier
        bridge_up = network not in downed
        mac = _mac(host, nic)
        out.append(Interface(nic, "ethernet", nic_up, nic_up and carrier, master=network, mac=mac,
                             index=len(out) + 1))
        if network not in {b.name for b in bridges}:
            address = f"192.168.{nets.index(network) + 1 if network in nets else 99}.{11 + host_index}"
            bridges.append(Interface(network, "bridge", bridge_up, bridge_up and nic_up and link_up[nic],
                                     port=nic, address=address, mac=mac))
    out += [replace(b, index=len(out) + 1 + n) for n, b in enumerate(bridges)]
    return sorted(out, key=lambda i: i.name)


def _flags_rhel6(i: Interface) -> str:
    words = ["UP"] if i.admin_up else []
    words += ["LOOPBACK"] if i.kind == "loopback" else ["BROADCAST"]
    words += ["RUNNING"] if i.running else []
    words += [] if i.kind == "loopback" else ["MULTICAST"]
    return " ".join(words)


def _flags_rhel8(i: Interface) -> str:
    bits = [("UP", 0x1, i.admin_up), ("BROADCAST", 0x2, i.kind != "loopback"),
            ("LOOPBACK", 0x8, i.kind == "loopback"), ("RUNNING", 0x40, i.running),
            ("MULTICAST", 0x1000, i.kind != "loopback")]
    value = sum(bit for _, bit, on in bits if on)
    return f"flags={value}<{','.join(name for name, _, on in bits if on)}>"


def _counters(i: Interface, t: float) -> tuple[int, int]:
    """Packets seen so far: a steady trickle while the link runs (the numbers are made up)."""
    base = zlib.crc32(i.name.encode()) % 5000
    return base + int(t * 40), base * 600 + int(t * 40 * 700)


def _ifconfig_rhel6(i: Interface, t: float, lo_mtu: int) -> str:
    rx, rx_bytes = _counters(i, t)
    if i.kind == "loopback":
        head = [f"{i.name:<10}Link encap:Local Loopback  ", "          inet addr:127.0.0.1  Mask:255.0.0.0",
                "          inet6 addr: ::1/128 Scope:Host"]
        mtu = lo_mtu
    else:
        head = [f"{i.name:<10}Link encap:Ethernet  HWaddr {i.mac.upper()}  "]
        if i.address and i.admin_up:
            bcast = i.address.rsplit(".", 1)[0] + ".255"
            head.append(f"          inet addr:{i.address}  Bcast:{bcast}  Mask:255.255.255.0")
        mtu = 1500
    queue = 0 if i.kind != "ethernet" else 1000
    return "\n".join([
        *head,
        f"          {_flags_rhel6(i)}  MTU:{mtu}  Metric:1",
        f"          RX packets:{rx} errors:0 dropped:0 overruns:0 frame:0",
        f"          TX packets:{rx // 2} errors:0 dropped:0 overruns:0 carrier:0",
        f"          collisions:0 txqueuelen:{queue} ",
        (f"          RX bytes:{rx_bytes} ({rx_bytes / 1024 / 1024:.1f} MiB)  "
         f"TX bytes:{rx_bytes // 2} ({rx_bytes / 2 / 1024 / 1024:.1f} MiB)"),
        "",
    ])


def _ifconfig_rhel8(i: Interface, t: float, lo_mtu: int) -> str:
    rx, rx_bytes = _counters(i, t)
    mtu = lo_mtu if i.kind == "loopback" else 1500
    lines = [f"{i.name}: {_flags_rhel8(i)}  mtu {mtu}"]
    if i.kind == "loopback":
        lines += ["        inet 127.0.0.1  netmask 255.0.0.0", "        inet6 ::1  prefixlen 128  scopeid 0x10<host>",
                  "        loop  txqueuelen 1000  (Local Loopback)"]
    else:
        if i.address and i.admin_up:
            bcast = i.address.rsplit(".", 1)[0] + ".255"
            lines.append(f"        inet {i.address}  netmask 255.255.255.0  broadcast {bcast}")
        lines.append(f"        ether {i.mac}  txqueuelen {1000 if i.kind == 'ethernet' else 0}  (Ethernet)")
    lines += [f"        RX packets {rx}  bytes {rx_bytes} ({rx_bytes / 1024 / 1024:.1f} MiB)",
              "        RX errors 0  dropped 0  overruns 0  frame 0",
              f"        TX packets {rx // 2}  bytes {rx_bytes // 2} ({rx_bytes / 2 / 1024 / 1024:.1f} MiB)",
              "        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0", ""]
    return "\n".join(lines)


def _ip_link(items: Sequence[Interface], rhel8: bool, addresses: bool = False) -> str:
    """`ip link` (or `ip addr` with `addresses`), in ifindex order as iproute2 lists them."""
    lines = []
    for i in sorted(items, key=lambda i: i.index):
        flags = ["LOOPBACK"] if i.kind == "loopback" else ["BROADCAST", "MULTICAST"]
        if i.admin_up and not i.running:
            flags.insert(0, "NO-CARRIER")
        if i.admin_up:
            flags += ["UP", "LOWER_UP"] if i.running else ["UP"]
        state = "UNKNOWN" if i.kind == "loopback" else "UP" if i.admin_up and i.running else "DOWN"
        qdisc = "noqueue" if i.kind != "ethernet" else "mq" if i.admin_up else "noop"
        master = f" master {i.master}" if rhel8 and i.master else ""
        extra = (" group default" if addresses else " mode DEFAULT group default") if rhel8 else ""
        qlen = " qlen 1000" if i.kind == "ethernet" or (rhel8 and i.kind == "loopback") else ""
        mtu = 1500 if i.kind != "loopback" else (65536 if rhel8 else 16436)
        lines.append(f"{i.index}: {i.name}: <{','.join(flags)}> mtu {mtu} qdisc {qdisc}{master} state {state}{extra}{qlen}")
        kind = "loopback" if i.kind == "loopback" else "ether"
        brd = "00:00:00:00:00:00" if i.kind == "loopback" else "ff:ff:ff:ff:ff:ff"
        lines.append(f"    link/{kind} {i.mac} brd {brd}")
        if addresses and i.address and i.admin_up:
            scope = "host" if i.kind == "loopback" else "global"
            lines.append(f"    inet {i.address}/{8 if i.kind == 'loopback' else 24} scope {scope} {i.name}")
    return "\n".join(lines)


def _brctl_show(items: Sequence[Interface]) -> str:
    lines = ["bridge name\tbridge id\t\tSTP enabled\tinterfaces"]
    for i in items:
        if i.kind == "bridge":
            lines.append(f"{i.name}\t\t8000.{i.mac.replace(':', '')}\tno\t\t{i.port}")
    return "\n".join(lines)


WORKSTATION_PROMPT = "$ "
"""The admin's own machine, where a closed session leaves the terminal."""

BROKEN_PIPE = {"rhev-3.3": "Write failed: Broken pipe", "ovirt-4.5": "client_loop: send disconnect: Broken pipe"}
"""What the workstation's ssh prints when the host died under an open session (OpenSSH 5.3 of
RHEL 6; OpenSSH 8 of RHEL 8)."""


class HostShell:
    """A root session on one host of a live `Simulation`; `run` interprets one command line.

    The session logs in when it is made (`banner` says how that went). `on_change` (optional) is
    called after a command changed the model, so a panel can redraw.
    """

    def __init__(self, sim, host: str, on_change: Callable[[], None] | None = None) -> None:
        if host not in sim.hosts:
            raise ValueError(f"unknown host {host!r}; hosts: {', '.join(sim.hosts)}")
        self.sim = sim
        self.host = host
        self.on_change = on_change
        self.os = HOST_OS.get(sim.scenario.engine_profile, HOST_OS["ovirt-4.5"])
        self.history: list[str] = []
        self.connected_at: float | None = None  # when this session logged in; None: closed
        self.banner = self.connect()

    @property
    def connected(self) -> bool:
        return self.connected_at is not None

    @property
    def prompt(self) -> str:
        return f"[root@{self.host} ~]# " if self.connected else WORKSTATION_PROMPT

    @property
    def powered(self) -> bool:
        return PhysicalState.at(self.sim.log, self.sim.now).is_powered(self.host)

    def refusal(self) -> str | None:
        """Why a new `ssh root@HOST` fails now, as OpenSSH says it; None if sshd answers."""
        state = PhysicalState.at(self.sim.log, self.sim.now, self.sim.scenario)
        if not state.management_up(self.host):
            return f"ssh: connect to host {self.host} port 22: No route to host"
        if self.sim.now < state.booted_at.get(self.host, 0.0):  # the kernel answers, sshd not yet
            return f"ssh: connect to host {self.host} port 22: Connection refused"
        return None

    def connect(self) -> str:
        """`ssh root@HOST` from the workstation: a new session, or the reason there is none."""
        refused = self.refusal()
        if refused is not None:
            self.connected_at = None
            return refused
        self.connected_at = self.sim.now
        return f"Last login: simulated time {audit.clock(self.sim.now)}"

    def _died(self) -> bool:
        """The host lost power since the session logged in: the connection is gone."""
        since = self.connected_at
        if since is None:  # not logged in: no connection to lose
            return False
        return any(isinstance(r, ev.HostPoweredOff) and r.host == self.host and r.t >= since
                   for r in self.sim.log if r.t >= since)

    def interfaces(self) -> list[Interface]:
        return interfaces(self.sim.log, self.sim.scenario, self.host, self.sim.now)

    def run(self, line: str) -> str:
        """Interpret one command line; returns what the terminal prints (without the prompt)."""
        line = line.strip()
        if line:
            self.history.append(line)
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            return "-bash: syntax error: unexpected end of file"
        if self.connected and self._died():
            self.connected_at = None
            return BROKEN_PIPE.get(self.sim.scenario.engine_profile, BROKEN_PIPE["ovirt-4.5"])
        if not words:
            return ""
        command, args = words[0], words[1:]
        if not self.connected:
            return self._on_workstation(command, args)
        handler = self._commands().get(command)
        if handler is None:
            return f"-bash: {command}: command not found"
        return handler(args)

    def _on_workstation(self, command: str, args: list[str]) -> str:
        """The terminal after the session closed: only `ssh` to this host does anything."""
        if command == "ssh":
            target = args[-1].rpartition("@")[2] if args else ""
            if target == self.host:
                return self.connect()
            if not target:
                return "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-l login_name] [-p port] destination [command]"
            return f"(this terminal is for {self.host}: pick ssh root@{target} in the list to log in there)"
        return (f"-bash: {command}: command not found (this is your workstation: the session on {self.host} "
                f"is closed; type ssh root@{self.host} to log in again)")

    # --- commands ----------------------------------------------------------------------

    def _commands(self) -> dict[str, Callable[[list[str]], str]]:
        commands = {
            "ifconfig": self._ifconfig, "ip": self._ip, "ifdown": self._ifdown, "ifup": self._ifup,
            "brctl": self._brctl, "service": self._service, "hostname": lambda _: self.host,
            "whoami": lambda _: "root", "help": self._help, "cat": self._cat, "reboot": self._reboot,
            "exit": self._logout, "logout": self._logout, "ssh": self._nested_ssh,
        }
        if self.os.network_manager:
            commands["systemctl"] = self._systemctl
        return commands

    def _help(self, _args: list[str]) -> str:
        return ("This simulated host understands: ifconfig [-a] [NAME], ip link, ip addr, brctl show,\n"
                f"ifdown NAME, ifup NAME, {self.os.restart_vdsm}, reboot, hostname, cat /etc/redhat-release,\n"
                "exit; clear or reset empty the screen.")

    def _cat(self, args: list[str]) -> str:
        if args == ["/etc/redhat-release"]:
            return self.os.release
        return "\n".join(f"cat: {a}: Permission denied" if a.startswith("/proc") else
                         f"cat: {a}: No such file or directory" for a in args)

    def _ifconfig(self, args: list[str]) -> str:
        show_all = "-a" in args
        names = [a for a in args if not a.startswith("-")]
        items = self.interfaces()
        if names:
            found = [i for i in items if i.name == names[0]]
            if not found:
                return f"{names[0]}: error fetching interface information: Device not found"
            items = found
        elif not show_all:
            items = [i for i in items if i.admin_up]
        render = _ifconfig_rhel6 if self.os.ifconfig_style == "net-tools-1.60" else _ifconfig_rhel8
        return "\n".join(render(i, self.sim.now, self.os.lo_mtu) for i in items).rstrip("\n") + "\n"

    def _ip(self, args: list[str]) -> str:
        sub = args[0] if args else ""
        items = self.interfaces()
        if sub in ("link", "l"):
            return _ip_link(items, self.os.network_manager)
        if sub in ("a", "addr", "address"):
            return _ip_link(items, self.os.network_manager, addresses=True)
        if not sub:
            return 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { link | address | route | ... }'
        return f'Object "{sub}" is unknown, try "ip help".'

    def _brctl(self, args: list[str]) -> str:
        if args[:1] == ["show"]:
            return _brctl_show(self.interfaces())
        return "Usage: brctl [commands]\ncommands:\n\tshow\t\t[ <bridge> ]\tshow a list of bridges"

    def _target(self, name: str) -> bool:
        names = {i.name for i in self.interfaces() if i.kind != "loopback"}
        return name in names

    def _ifdown(self, args: list[str]) -> str:
        return self._if(args, up=False)

    def _ifup(self, args: list[str]) -> str:
        return self._if(args, up=True)

    def _if(self, args: list[str], up: bool) -> str:
        command = "ifup" if up else "ifdown"
        if not args or not self._target(args[0]):
            if self.os.network_manager:
                return f"Error: unknown connection '{args[0]}'." if args else f"Usage: {command} <configuration>"
            if up:
                missing = f"/sbin/ifup: configuration for {args[0]} not found.\n" if args else ""
                return missing + "Usage: ifup <device name>"
            return "usage: ifdown <device name>"
        self.sim.inject(command, self.host, args[0])
        self._changed()
        if self.os.network_manager:
            path = f"/org/freedesktop/NetworkManager/ActiveConnection/{len(self.sim.log) % 97 + 3}"
            return (f"Connection successfully activated (D-Bus active path: {path})" if up
                    else f"Connection '{args[0]}' successfully deactivated (D-Bus active path: {path})")
        return ""

    def _logout(self, _args: list[str]) -> str:
        self.connected_at = None
        return f"logout\nConnection to {self.host} closed."

    def _nested_ssh(self, args: list[str]) -> str:
        return "(you are already logged in here; type exit first, or pick another host in the list)"

    def _refused(self, action: str) -> ev.ActionRefused | None:
        """The engine's refusal of the action just injected, if it refused."""
        last = self.sim.log[-1] if self.sim.log else None
        return last if isinstance(last, ev.ActionRefused) and last.action == action and last.t == self.sim.now else None

    def _restart_vdsm(self) -> str:
        self.sim.inject("restart_vdsm", self.host)
        self._changed()
        refused = self._refused("restart_vdsm")
        if refused is not None:  # never an [ OK ] for what did not happen
            return f"vdsm: {refused.reason}"
        if self.os.network_manager:
            return ""
        return ("Shutting down vdsm daemon: \n"
                "vdsm watchdog stop                                         [  OK  ]\n"
                "vdsm: Running run_final_hooks                              [  OK  ]\n"
                "vdsm stop                                                  [  OK  ]\n"
                "Starting up vdsm daemon: \n"
                "vdsm start                                                 [  OK  ]")

    def _service(self, args: list[str]) -> str:
        if len(args) < 2:
            return "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]"
        name, action = args[0], args[1]
        if name != "vdsmd":
            return f"{name}: unrecognized service"
        if self.os.network_manager:  # RHEL 8: the SysV wrapper hands over to systemd
            redirect = f"Redirecting to /bin/systemctl {action} vdsmd.service"
            return redirect + ("\n" + self._restart_vdsm() if action == "restart" else "")
        if action != "restart":
            return "Only 'service vdsmd restart' is simulated here."
        return self._restart_vdsm()

    def _systemctl(self, args: list[str]) -> str:
        if args[:2] in (["restart", "vdsmd"], ["restart", "vdsmd.service"]):
            return self._restart_vdsm()
        if len(args) >= 2 and args[1].removesuffix(".service") != "vdsmd":
            return f"Failed to {args[0]} {args[1]}: Unit {args[1]} not found."
        return "Only 'systemctl restart vdsmd' is simulated here."

    def _reboot(self, _args: list[str]) -> str:
        self.sim.inject("reboot", self.host)
        self._changed()
        self.connected_at = None  # the host's sshd is gone: the workstation's prompt is back
        return (f"\nBroadcast message from root@{self.host}\n\n"
                "The system is going down for reboot NOW!\n"
                f"Connection to {self.host} closed by remote host.\n"
                f"Connection to {self.host} closed.")

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
