// Baseline: the HTTP floor. Koa answering a small JSON body, nothing else.
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = { message: 'hello' };
});
app.listen(Number(process.env['PORT']), '127.0.0.1', () => process.stdout.write('ready\n'));
// Exit normally on SIGTERM so that --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));
