"""A TCP relay the tests can silence: it stops passing bytes but keeps every connection open, as a network
partition or a frozen host does (nothing is refused, nothing is closed, nothing arrives).

usage: silent_proxy.py TARGET_PORT CONTROL_FILE
Prints "READY <port>" once listening on 127.0.0.1. While CONTROL_FILE exists the relay is silent."""
import asyncio, os, sys

target_port = int(sys.argv[1])
control = sys.argv[2]


def silent():
    return os.path.exists(control)


async def pump(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            while silent():
                await asyncio.sleep(0.05)
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(client_reader, client_writer):
    while silent():
        await asyncio.sleep(0.05)
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except Exception:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
