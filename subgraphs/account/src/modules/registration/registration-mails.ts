import { Mail } from '@herck/common';
import { isPersonalName } from '../account/profile-rules';

/**
 * The mails registration sends. Nothing the registrant typed goes into them
 * but a greeting with a first name that passed the name rule, so a mail sent
 * to any address cannot be made to carry someone else's text or links.
 */
export const registrationMails = {
  confirmation(to: string, firstName: string, link: string, expiresAt: Date): Mail {
    return {
      to,
      subject: 'Confirm your Herck account',
      text: `${greeting(firstName)}\n\nConfirm your email address to finish registering with Herck:\n\n${link}\n\nThe link works once and expires on ${expiresAt.toUTCString()}. If you did not register, ignore this mail.\n`,
    };
  },

  alreadyRegistered(to: string): Mail {
    return {
      to,
      subject: 'Your Herck account',
      text: 'Someone (probably you) tried to register with this address, but it already has a Herck account. Sign in instead. If it was not you, ignore this mail.\n',
    };
  },

  /** Told only to the mailbox itself: the requester's answer is the same as for any address. */
  deactivated(to: string): Mail {
    return {
      to,
      subject: 'Your Herck account',
      text: 'Someone (probably you) tried to register with this address, but it belongs to a Herck account that an administrator has deactivated, which cannot sign in. Contact an administrator about it. If it was not you, ignore this mail.\n',
    };
  },

  usernameTaken(to: string): Mail {
    return {
      to,
      subject: 'Choose another Herck username',
      text: 'The username you chose is not available. Register again with another username. If you did not register, ignore this mail.\n',
    };
  },

  passwordReset(to: string, firstName: string, link: string, ttlMinutes: number): Mail {
    return {
      to,
      subject: 'Choose a new Herck password',
      text: `${greeting(firstName)}\n\nChoose a new password for your Herck account:\n\n${link}\n\nThe link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail: your password stays as it is.\n`,
    };
  },
};

/**
 * Hello and the first word of the first name, when that word is of one script. The whole name could
 * carry a sentence ("Your account is locked, unlock it at …"), and letters of another script can pass
 * for punctuation (Lisu's ꓸ for a dot). Names stored before the name rule existed are left out rather than trusted.
 */
function greeting(firstName: string): string {
  const word = isPersonalName(firstName) ? firstName.split(/[ '’,-]/)[0]!.replace(/\.$/, '') : '';
  return word.length <= MAX_GREETING_LENGTH && ONE_SCRIPT.some((script) => script.test(word)) ? `Hello ${word},` : 'Hello,';
}

const MAX_GREETING_LENGTH = 30;
/** A word of one script's letters (with combining marks and digits), for the scripts names are written in. */
const ONE_SCRIPT = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Arabic', 'Hebrew', 'Devanagari', 'Bengali', 'Thai', 'Han', 'Hiragana', 'Katakana', 'Hangul'].map(
  (script) => new RegExp(`^(?:\\p{Script=${script}}|\\p{M}|[0-9])+$`, 'u'),
);
