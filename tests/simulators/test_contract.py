"""The contract other parts depend on, checked with asyncua's own client."""

from __future__ import annotations

import asyncio

from asyncua import Client, ua

from simulators.tags import NAMESPACE_URI

TIMEOUT_S = 20.0


async def _browse_tree(client: Client, ns: int) -> dict[str, ua.NodeClass]:
    """Dotted browse paths below Objects in the simulator namespace, with node classes."""
    found: dict[str, ua.NodeClass] = {}

    async def walk(node, prefix: str) -> None:
        for child in await node.get_children():
            if child.nodeid.NamespaceIndex != ns:
                continue
            name = (await child.read_browse_name()).Name
            path = f"{prefix}.{name}" if prefix else name
            found[path] = await child.read_node_class()
            await walk(child, path)

    await walk(client.nodes.objects, "")
    return found


async def test_tree_units_ranges_and_changing_values(start_server) -> None:
    """Browse Line/Stage/Equipment/Signal; analog items carry units and ranges; values move."""
    server = start_server("--seed", "42", "--speed", "1", "--profile", "domestic")
    async with asyncio.timeout(TIMEOUT_S), Client(server.url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        tree = await _browse_tree(client, ns)
        assert {"Line1", "Line1.Separation", "Line1.Sintering", "Line1.Magnetization"} <= set(tree)
        zone = "Line1.Sintering.Furnace1.Zone1Temperature"
        assert tree[zone] == ua.NodeClass.Variable
        assert tree["Line1.Sintering.Furnace1"] == ua.NodeClass.Object
        node = client.get_node(f"ns={ns};s={zone}")
        assert (await node.read_type_definition()) == ua.NodeId(ua.ObjectIds.AnalogItemType)
        eu = await client.get_node(f"ns={ns};s={zone}.EngineeringUnits").read_value()
        assert (eu.DisplayName.Text, eu.UnitId) == ("°C", 4408652)
        rng = await client.get_node(f"ns={ns};s={zone}.EURange").read_value()
        assert rng.Low < rng.High
        assert (await node.read_description()).Text
        # A reading outside its EURange is published Uncertain (EngineeringUnitsExceeded,
        # simulators.profiles): a value all the same, never Bad.
        first = await node.read_data_value(raise_on_bad_status=False)
        await asyncio.sleep(2.2)
        second = await node.read_data_value(raise_on_bad_status=False)
        assert not first.StatusCode.is_bad() and not second.StatusCode.is_bad()
        assert second.SourceTimestamp > first.SourceTimestamp
        assert second.Value.Value != first.Value.Value
        state = await client.get_node(f"ns={ns};s=Line1.Sintering.Furnace1.State").read_value()
        assert state in ("running", "idle", "down", "maintenance")
    assert server.stop() == 0
