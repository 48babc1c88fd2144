"""The host shell: the guide's `ifconfig`, `ifdown storage`, `ifdown p1p1`, typed on Pacific."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hacourse import load_scenario
from hacourse.analysis import intervals
from hacourse.engine import Simulation
from hacourse.panel.shell import HostShell
from tests.seed import SEED


@pytest.fixture(scope="module")
def seed():
    return replace(load_scenario(SEED), faults=())


def _shell(scenario, host="pacific", t=30.0):
    sim = Simulation(scenario, 0)
    sim.run_until(t)
    return sim, HostShell(sim, host)


def _block(text: str, name: str) -> str:
    """One interface's paragraph of `ifconfig` output."""
    blocks = [b for b in text.split("\n\n") if b.split()[0].rstrip(":") == name]
    assert blocks, f"{name} not listed in:\n{text}"
    return blocks[0]


def test_ifconfig_on_rhel6_lists_the_nics_and_a_bridge_per_network(seed):
    _, shell = _shell(seed)
    out = shell.run("ifconfig")
    assert [b.split()[0] for b in out.strip().split("\n\n")] == ["em1", "lo", "ovirtmgmt", "p1p1", "storage"]
    storage = _block(out, "storage")
    assert "Link encap:Ethernet" in storage and "inet addr:192.168." in storage
    assert "UP BROADCAST RUNNING MULTICAST  MTU:1500" in storage
    assert shell.prompt == "[root@pacific ~]# "


def test_ifdown_storage_takes_the_bridge_out_of_ifconfig_and_cuts_the_link(seed):
    sim, shell = _shell(seed)
    assert shell.run("ifdown storage") == ""  # RHEL 6 initscripts say nothing on success
    faults = intervals.injected_faults(sim.log)
    assert [(f.t, f.action, f.host, f.target) for f in faults] == [(30.0, "ifdown", "pacific", "storage")]
    assert intervals.nic_states(sim.log, sim.now, seed)[("pacific", "p1p1")] is False
    out = shell.run("ifconfig")
    assert "storage" not in [b.split()[0] for b in out.strip().split("\n\n")]
    assert "RUNNING" in _block(out, "p1p1")  # the NIC itself still has its carrier
    assert "BROADCAST MULTICAST  MTU" in _block(shell.run("ifconfig -a"), "storage")  # listed with -a, not UP


def test_ifdown_p1p1_then_the_bridge_has_no_running_port(seed):
    _, shell = _shell(seed)
    shell.run("ifdown p1p1")
    links = shell.run("ip link")
    assert "p1p1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN" in links
    assert "storage: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN" in links
    assert links.splitlines()[0].startswith("1: lo: <LOOPBACK,UP,LOWER_UP>")
    assert "UP BROADCAST MULTICAST  MTU" in _block(shell.run("ifconfig storage"), "storage")  # UP, not RUNNING


def test_the_engine_reacts_to_the_shell_as_to_a_fault(seed):
    sim, shell = _shell(seed, t=60.0)
    shell.run("ifdown storage")
    shell.run("ifdown p1p1")
    sim.run_until(180)
    assert intervals.host_status_at(sim.log, "pacific", 180, seed) == "NonOperational"


def test_ifup_brings_both_names_back(seed):
    sim, shell = _shell(seed)
    shell.run("ifdown storage")
    shell.run("ifdown p1p1")
    shell.run("ifup storage")
    out = shell.run("ifconfig")
    assert "RUNNING" in _block(out, "storage") and "RUNNING" in _block(out, "p1p1")
    assert intervals.nic_states(sim.log, sim.now, seed)[("pacific", "p1p1")] is True


def test_unknown_commands_and_names_answer_like_bash(seed):
    sim, shell = _shell(seed)
    assert shell.run("vdsClient -s 0 getVdsCaps") == "-bash: vdsClient: command not found"
    assert shell.run("systemctl restart vdsmd") == "-bash: systemctl: command not found"  # RHEL 6 has none
    assert shell.run("ifdown eth7") == "usage: ifdown <device name>"
    assert shell.run("ifup eth7") == "/sbin/ifup: configuration for eth7 not found.\nUsage: ifup <device name>"
    assert shell.run("ifconfig eth7") == "eth7: error fetching interface information: Device not found"
    assert shell.run("") == "" and shell.run("# a comment") == ""
    assert intervals.injected_faults(sim.log) == []


def test_rhel8_prints_flags_and_networkmanager_answers(seed):
    _, shell = _shell(replace(seed, engine_profile="ovirt-4.5"))
    assert "storage: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500" in shell.run("ifconfig")
    assert shell.run("ifdown storage").startswith("Connection 'storage' successfully deactivated")
    assert "p1p1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master storage state UP" in shell.run("ip link")
    assert "Red Hat Enterprise Linux release 8" in shell.run("cat /etc/redhat-release")


def test_a_powered_off_host_does_not_answer(seed):
    sim, shell = _shell(seed)
    sim.inject("power_off", "pacific")
    assert shell.run("ifconfig") == "Write failed: Broken pipe"  # the session died with the host
    assert shell.run("ssh root@pacific") == "ssh: connect to host pacific port 22: No route to host"


# --- the session: reboot closes it, ssh opens a new one once the host answers -----------------

def test_reboot_closes_the_session_and_nothing_runs_on_the_host_until_a_new_ssh(seed):
    sim, shell = _shell(seed, host="pacific", t=60.0)
    out = shell.run("reboot")
    assert out.rstrip().endswith("Connection to pacific closed.")
    assert shell.prompt == "$ "
    faults = len(intervals.injected_faults(sim.log))
    said = shell.run("service vdsmd restart")
    assert "[  OK  ]" not in said and "ssh root@pacific" in said
    assert len(intervals.injected_faults(sim.log)) == faults  # nothing reached the host
    assert "command not found" in shell.run("ifconfig")


def test_ssh_fails_while_the_host_is_off_is_refused_while_it_boots_and_logs_in_once_it_is_up(seed):
    sim, shell = _shell(seed, host="pacific", t=60.0)
    shell.run("reboot")
    assert shell.run("ssh root@pacific") == "ssh: connect to host pacific port 22: No route to host"
    sim.run_until(90)
    on = next(r.t for r in sim.log if r.event == "HostPoweredOn")
    assert on < 90
    assert shell.run("ssh root@pacific") == "ssh: connect to host pacific port 22: Connection refused"
    assert shell.prompt == "$ "
    sim.run_until(600)  # the engine fenced it meanwhile (its reboot outlasted the grace); booted again since
    assert shell.run("ssh root@pacific").startswith("Last login: simulated time")
    assert shell.prompt == "[root@pacific ~]# "
    assert "em1" in shell.run("ifconfig")


def test_a_host_that_lost_power_under_the_session_breaks_the_pipe(seed):
    sim, shell = _shell(seed, host="pacific", t=30.0)
    sim.inject("power_off", "pacific")
    assert shell.run("service vdsmd restart") == "Write failed: Broken pipe"
    assert shell.prompt == "$ "
    assert not [r for r in sim.log if r.event == "FaultInjected" and r.action == "restart_vdsm"]


def test_ssh_without_the_management_link_finds_no_route_but_an_open_session_stays(seed):
    _, shell = _shell(seed, host="pacific", t=30.0)
    shell.run("ifdown ovirtmgmt")
    assert "em1" in shell.run("ifconfig")  # the open session survives, as the guide's console does
    shell.run("exit")
    assert shell.run("ssh root@pacific") == "ssh: connect to host pacific port 22: No route to host"


def test_clear_and_reset_empty_the_console_and_the_newest_line_is_at_the_bottom(seed):
    from hacourse.panel.admin import ShellConsole
    from hacourse.panel.widgets import Lesson

    lesson = Lesson(seed, seed=0, scripted_faults=False)
    console = ShellConsole(lambda: lesson.sim, host="pacific")
    for command in ("ifconfig", "ip link", "ifconfig -a", "brctl show"):
        console.type(command)
    screen = console.screen.value
    shown = screen.rsplit('class="hacourse-shell-screen"', 1)[1]  # the lines in view, older ones folded
    assert shown.removesuffix("</pre>").endswith("[root@pacific ~]# ")
    assert "brctl show" in shown and "ifconfig -a" not in shown and "ifconfig -a" in screen
    for word in ("clear", "reset"):
        console.type("ifconfig")
        console.type(word)
        assert "ifconfig" not in console.screen.value and console.transcript == []
    assert console.shell.connected
