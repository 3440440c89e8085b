/** Contacts' commands beyond the list: the SMS to a contact, in the protocol's own shape. */
import { z } from 'zod';
import { contactRoutes } from '../../protocol/admin';

export const contactSmsSchema = contactRoutes.sms.body.extend({ id: z.uuid({ message: 'id_invalid' }) }).strict();
