import type { Socket } from 'socket.io-client';
import { TalusError } from './errors.js';

/** Resolves once the socket is connected; rejects on a refused or failed connection, or after `ms`. */
export function connected(socket: Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new TalusError('TIMEOUT', `no connection within ${ms} ms`)), ms);
    const finish = (err?: unknown) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onConnect = () => finish();
    const onError = (err: Error & { data?: { code?: unknown } }) => {
      // a refusal by the server's middleware carries the catalogue code in `data` (UNAUTHORIZED…)
      const code = err.data?.code;
      finish(typeof code === 'string' ? new TalusError(code, err.message) : err);
    };
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

/** Emit with an acknowledgement; rejects when the connection drops first or nothing comes within `ms`. */
export function ackOrLost(socket: Socket, event: string, payload: object, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new TalusError('TIMEOUT', `${event}: no answer within ${ms} ms`)),
      ms,
    );
    const onLost = () => finish(new Error(`the connection dropped during ${event}`));
    const finish = (err: unknown, answer?: unknown) => {
      clearTimeout(timer);
      socket.off('disconnect', onLost);
      if (err === undefined) resolve(answer);
      else reject(err);
    };
    socket.on('disconnect', onLost);
    socket.emit(event, payload, (answer: unknown) => finish(undefined, answer));
  });
}
