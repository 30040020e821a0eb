import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from "express";

/** A route served in front of express: its path (matched exactly) and the very handlers express's router runs for it. */
export interface HotRoute {
  readonly path: string;
  readonly handlers: readonly RequestHandler[];
}

/** What `createHttpApp` returns: a request listener (supertest takes it) that can listen like an express app. */
export type HttpApp = RequestListener & {
  listen(port: number, host?: string): Server;
  /** The express app behind it, which also routes the hot routes (the OpenAPI test reads its routes). */
  readonly express: Express;
};

/**
 * Serves the hot routes (issuance and redemption: one request per agent tool
 * call) without express's dispatch, and everything else through express.
 *
 * Why: express swaps the prototype of every request and response
 * (`Object.setPrototypeOf` in `app.handle`), which V8 pays for on every
 * property access Node's HTTP internals make afterwards. Measured on the
 * project's machine (POST with a small JSON body, one process): raw node:http
 * 60–80 µs of event-loop time per request, the same through express 280 µs;
 * issuance spends about 0.9 ms in all, so that was a quarter of it.
 *
 * What stays the same is everything a caller can see, because it is the same
 * code: the request runs the app's own middleware instances (`front`: trace,
 * request context, UTF-8 check, body-parser, trace resume) then the route's
 * handlers, in express's order, and errors go to the app's one error handler.
 * Only the dispatch differs: the members those handlers use (`req.get`,
 * `req.is`, `req.ip`, `req.path`, `res.status`, `res.set`, `res.json`, …) are
 * express's own functions put on the request as own properties, not through
 * a prototype swap. Only an exact `POST <path>` is taken; any other spelling
 * (query string, trailing slash, case) goes to express.
 */
export function withHotRoutes(app: Express, front: readonly RequestHandler[], routes: readonly HotRoute[], onError: ErrorRequestHandler): HttpApp {
  // Each route's chain is laid out once: the front, then the route's handlers (the first of which enters the route).
  const chains = new Map(
    routes.map((route) => [
      route.path,
      [...front.map((handler) => ({ handler, entersRoute: false })), ...route.handlers.map((handler, i) => ({ handler, entersRoute: i === 0 }))] as const,
    ]),
  );
  const members = expressMembers(app);
  const listener: RequestListener = (req, res) => {
    const chain = req.method === "POST" && req.url !== undefined ? chains.get(req.url) : undefined;
    if (!chain) return app(req, res);
    const { request, response } = members.decorate(req, res);
    run(req.url as string, chain, request, response, onError);
  };
  return Object.assign(listener, { express: app, listen: (port: number, host?: string) => createServer(listener).listen(port, host) });
}

type Chain = readonly { readonly handler: RequestHandler; readonly entersRoute: boolean }[];

/**
 * Express's router loop for one fixed chain: each handler gets a `next`;
 * `next(error)`, a throw or a rejected promise goes to the error handler.
 * `req.route` is set when the route's first handler starts, as express's
 * router does when the route matches (the trace names the span by it).
 */
function run(path: string, handlers: Chain, req: Request, res: Response, onError: ErrorRequestHandler): void {
  const fail = (error: unknown) => {
    try {
      onError(error, req, res, () => undefined);
    } catch {
      res.destroy();
    }
  };
  const next = (index: number) => (error?: unknown) => {
    if (error !== undefined && error !== null) return fail(error);
    const step = handlers[index];
    if (!step) return fail(new Error(`hot route ${path} fell through`));
    if (step.entersRoute) (req as { route?: unknown }).route = { path };
    try {
      const result: unknown = step.handler(req, res, next(index + 1));
      if (result instanceof Promise) result.catch((rejection: unknown) => fail(rejection ?? new Error("Rejected promise")));
    } catch (error) {
      fail(error);
    }
  };
  next(0)();
}

/**
 * Express's own request and response members, taken from the app's
 * prototypes once, and put on a plain node request/response per request.
 * Getters (`ip`, `path`) are evaluated once with express's code; `fresh`,
 * which `res.send` reads, is false for every POST in express too, and absent here.
 */
function expressMembers(app: Express) {
  const requestProto = app.request as unknown as Record<string, unknown>;
  const responseProto = app.response as unknown as Record<string, unknown>;
  // app.request is an object whose prototype is express's request: the getters are found up the chain.
  const getter = (name: string) => {
    for (let proto: object | null = requestProto; proto; proto = Object.getPrototypeOf(proto)) {
      const get = Object.getOwnPropertyDescriptor(proto, name)?.get;
      if (get) return get;
    }
    throw new Error(`express has no request getter ${name}`);
  };
  const ip = getter("ip");
  const path = getter("path");
  const method = (proto: Record<string, unknown>, name: string) => {
    const fn = proto[name];
    if (typeof fn !== "function") throw new Error(`express has no member ${name}`);
    return fn;
  };
  const get = method(requestProto, "get");
  const is = method(requestProto, "is");
  const status = method(responseProto, "status");
  const set = method(responseProto, "set");
  const resGet = method(responseProto, "get");
  const json = method(responseProto, "json");
  const send = method(responseProto, "send");
  const type = method(responseProto, "type");
  return {
    decorate(req: IncomingMessage, res: ServerResponse): { request: Request; response: Response } {
      const request = req as unknown as Record<string, unknown>;
      const response = res as unknown as Record<string, unknown>;
      request.app = app;
      request.res = res;
      request.get = get;
      request.header = get;
      request.is = is;
      request.ip = ip.call(req);
      request.path = path.call(req);
      request.originalUrl = req.url;
      request.params = {};
      response.app = app;
      response.req = req;
      response.locals = Object.create(null);
      response.status = status;
      response.set = set;
      response.header = set;
      response.get = resGet;
      response.json = json;
      response.send = send;
      response.type = type;
      return { request: req as unknown as Request, response: res as unknown as Response };
    },
  };
}
