"""A gridding stage in its own process, for the SIGHUP reload test.

It reports on stdout through logging (no print outside the CLI): "ready" once the handlers
are installed, then one line per reload.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from services.core.bus_memory import MemoryBus
from services.core.config import load_config
from services.core.runner import install_signal_handlers
from services.gridding.stage import GriddingStage, install_reload_handler


async def main(directory: str) -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    stage = GriddingStage(load_config(directory))
    stop = asyncio.Event()
    install_signal_handlers(stop)
    install_reload_handler(stage)
    logging.getLogger("child").info("ready")
    await stage.run(MemoryBus(), stop)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
