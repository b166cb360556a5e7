import { useState } from 'preact/hooks';
import type { MerchantSettings, MerchantSettingsPatch } from '../../contract';
import { api, ApiProblem } from './api';
import { notify } from './notifications';

/** What each section of the Settings view is given: the settings as the API answered them, and where a save goes. */
export interface SectionProps {
  settings: MerchantSettings;
  onSaved: (settings: MerchantSettings) => void;
}

/** One section's save: its messages by path (taxTypes.GST9.taxType), or one for the whole section. */
export function useSave(onSaved: SectionProps['onSaved'], what: string) {
  const [saving, setSaving] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const save = async (patch: MerchantSettingsPatch) => {
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      onSaved(await api.saveMappings(patch));
      notify(`${what} saved, checked against Xero.`);
    } catch (err) {
      if (!(err instanceof ApiProblem)) return setFormError('Something went wrong; try again.');
      const byPath: Record<string, string> = {};
      for (const e of err.errors) byPath[e.path.replace(/^body\./, '')] = e.message;
      setErrors(byPath);
      if (!err.errors.length) setFormError(err.message);
    } finally {
      setSaving(false);
    }
  };
  return { saving, errors, formError, save };
}
