import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EmailKind } from '@orderflow/events';
import Handlebars from 'handlebars';
import type { EmailKindName } from '../domain/email.selection';
import type { TemplateModel } from '../domain/email.model';

/**
 * The package's `templates/` folder, found from this file rather than the
 * working directory (the stack runs services with cwd under `.data/`):
 * `src/templating/` under ts-jest and `dist/templating/` at run time are both
 * two levels below the package root.
 */
export const templatesDir = path.resolve(__dirname, '..', '..', 'templates');

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type CompileOptions = Parameters<typeof Handlebars.compile>[1];
type Compiled = { [Part in keyof RenderedEmail]: Handlebars.TemplateDelegate };

/** ORDER_RECEIVED → order-received: the templates' file names. */
export const templateNameOf = (kind: EmailKindName): string => kind.toLowerCase().replaceAll('_', '-');

/**
 * Each email kind's subject, plain-text and HTML parts, from
 * `templates/<kind>.{subject,text,html}.hbs` (HTML parts share
 * `partials/layout.html.hbs`). Handlebars escapes what it inserts into the
 * HTML part; the subject and the text part are not HTML and are not escaped.
 * `strict` makes a template that names a field the model lacks fail loudly.
 * Everything is read and compiled at start, so a missing file stops the service.
 */
export class TemplateRenderer {
  private constructor(private readonly compiled: ReadonlyMap<EmailKindName, Compiled>) {}

  static load(dir: string = templatesDir): TemplateRenderer {
    const handlebars = Handlebars.create();
    handlebars.registerPartial('layout', read(dir, 'partials/layout.html.hbs'));
    const compile = (file: string, options: CompileOptions) => {
      const source = read(dir, file);
      // Handlebars compiles lazily, on first use; precompiling now makes a broken template stop the start.
      handlebars.precompile(source, options);
      return handlebars.compile(source, options);
    };
    const plain = { strict: true, noEscape: true };
    const compiled = new Map<EmailKindName, Compiled>();
    for (const kind of EmailKind.options) {
      const name = templateNameOf(kind);
      compiled.set(kind, {
        subject: compile(`${name}.subject.hbs`, plain),
        text: compile(`${name}.text.hbs`, plain),
        html: compile(`${name}.html.hbs`, { strict: true }),
      });
    }
    return new TemplateRenderer(compiled);
  }

  render(kind: EmailKindName, model: TemplateModel): RenderedEmail {
    const templates = this.compiled.get(kind);
    if (!templates) throw new Error(`no templates for ${kind}`);
    return {
      // A header is one line.
      subject: templates.subject(model).replace(/\s+/g, ' ').trim(),
      text: templates.text(model),
      html: templates.html(model),
    };
  }
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
