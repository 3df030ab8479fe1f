/**
 * Kafka's topic-name rules (org.apache.kafka.common.internals.Topic): 1 to 249 characters of
 * [a-zA-Z0-9._-], and neither '.' nor '..'. Used by CreateTopics and by Metadata auto-creation;
 * an invalid name is INVALID_TOPIC_EXCEPTION on the wire.
 */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** An error message (Kafka's wording) for an illegal topic name, else null. */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/**
 * Kafka refuses a topic whose name equals an existing one once '.' is read as '_' (their metric
 * names would collide): `a.b` and `a_b` cannot both exist.
 */
export function topicNamesCollide(a: string, b: string): boolean {
  return a !== b && a.replaceAll('.', '_') === b.replaceAll('.', '_');
}
