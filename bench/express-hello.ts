import express from "express";

/** The framework's floor: express 5 answering a fixed JSON body, nothing else. */
const app = express();
app.disable("x-powered-by");
app.set("etag", false);
app.get("/", (_req, res) => {
  res.json({ hello: "world" });
});
app.listen(Number(process.env.PORT), "127.0.0.1");
