import type { Context } from 'koa';

/**
 * One text field of a form body read by readBody, cut to `max` characters; '' when absent. Our
 * pages send each field once: a field sent twice (or in qs's nested form) is a malformed form,
 * answered 400 so the user can send it again, never read as empty, where it would count as a
 * wrong code or password or as an answer the user did not give.
 */
export function formField(ctx: Context, name: string, max: number): string {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') ctx.throw(400, `This form is malformed: its "${name}" field was sent more than once. Go back and try again.`);
  return value.slice(0, max);
}
