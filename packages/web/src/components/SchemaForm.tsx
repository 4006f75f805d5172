// A small renderer for credential JSON Schemas: one labelled control per top-level property
// (text, password for `writeOnly`/`sensitive`, number, checkbox, select for `enum`). A schema with
// no properties (e.g. "Raw JSON") is edited as a JSON object in a text area.
import type { JsonSchema } from '../api/types';
import { CheckboxField, SelectField, TextAreaField, TextField } from './Field';

export type SchemaValue = Record<string, unknown>;

export interface SchemaFormProps {
  schema: JsonSchema;
  value: SchemaValue;
  onChange: (value: SchemaValue) => void;
  /** Field errors keyed by property (`body.x` and `x` are both accepted). */
  errorFor: (property: string) => string | undefined;
  /** For schemas without properties: the raw JSON text, kept by the caller. */
  rawText?: string;
  onRawTextChange?: (text: string) => void;
  disabled?: boolean;
}

function typeOf(schema: JsonSchema): string {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  return type ?? 'string';
}

/** Converts the form's strings to the schema's types before sending. */
export function coerceToSchema(schema: JsonSchema, value: SchemaValue): SchemaValue {
  const result: SchemaValue = {};
  for (const [key, raw] of Object.entries(value)) {
    const property = schema.properties?.[key];
    if (raw === '' || raw === undefined) continue;
    if (property && (typeOf(property) === 'integer' || typeOf(property) === 'number')) {
      const number = Number(raw);
      result[key] = Number.isFinite(number) ? number : raw;
    } else {
      result[key] = raw;
    }
  }
  return result;
}

export function SchemaForm({
  schema,
  value,
  onChange,
  errorFor,
  rawText,
  onRawTextChange,
  disabled,
}: SchemaFormProps) {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) {
    return (
      <TextAreaField
        label="Configuration (JSON object)"
        hint={schema.description}
        value={rawText ?? '{}'}
        onChange={(text) => onRawTextChange?.(text)}
        rows={8}
        disabled={disabled}
        error={errorFor('body')}
      />
    );
  }
  const required = new Set(schema.required ?? []);
  return (
    <fieldset className="plain-fieldset" disabled={disabled}>
      <legend className="muted">{schema.description ?? schema.title}</legend>
      {properties.map(([key, property]) => {
        const label = `${property.title ?? key}${required.has(key) ? '' : ' (optional)'}`;
        const error = errorFor(key);
        const current = value[key];
        const type = typeOf(property);
        if (Array.isArray(property.enum)) {
          return (
            <SelectField
              key={key}
              label={label}
              hint={property.description}
              value={current === undefined ? '' : String(current)}
              onChange={(next) => onChange({ ...value, [key]: next })}
              options={[
                { value: '', label: '—' },
                ...property.enum.map((option) => ({
                  value: String(option),
                  label: String(option),
                })),
              ]}
              error={error}
              disabled={disabled}
            />
          );
        }
        if (type === 'boolean') {
          return (
            <CheckboxField
              key={key}
              label={label}
              hint={property.description}
              checked={current === true}
              onChange={(next) => onChange({ ...value, [key]: next })}
              error={error}
              disabled={disabled}
            />
          );
        }
        const secret = property.writeOnly === true || property.sensitive === true;
        return (
          <TextField
            key={key}
            label={label}
            hint={property.description}
            type={
              secret
                ? 'password'
                : type === 'integer' || type === 'number'
                  ? 'number'
                  : property.format === 'uri'
                    ? 'url'
                    : property.format === 'email'
                      ? 'email'
                      : 'text'
            }
            autoComplete={secret ? 'new-password' : 'off'}
            value={current === undefined ? '' : String(current)}
            onChange={(next) => onChange({ ...value, [key]: next })}
            error={error}
            required={required.has(key)}
            disabled={disabled}
          />
        );
      })}
    </fieldset>
  );
}
