/**
 * The form fields of the Add Sync Request dialog and the reconciliation's scope: a label, the control, and the API's
 * message for the field under it (the control names it with aria-describedby).
 */
interface FieldProps {
  id: string;
  label: string;
  value: string;
  error?: string;
  onChange: (value: string) => void;
}

/** What the control says of its message: invalid, and described by it. */
function described(props: FieldProps) {
  return {
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': props.error ? `${props.id}-error` : undefined,
  };
}

function FieldError({ id, error }: { id: string; error?: string }) {
  return error ? (
    <p id={`${id}-error`} class="field-error">
      {error}
    </p>
  ) : null;
}

export function SelectField(props: FieldProps & { options: Array<{ value: string; label: string }> }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        {...described(props)}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {props.options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}

export function DateField(props: FieldProps & { max: string; required?: boolean }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="date"
        value={props.value}
        max={props.max}
        required={props.required}
        {...described(props)}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      />
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}
