import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** Accounts, API tokens and project members (PRODUCT.md section 9): requests and answers. */

const strict = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false });
const open = <T extends Record<string, TSchema>>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: true, ...(description ? { description } : {}) });

export const USERNAME_PATTERN = '^[a-z0-9_.-]{3,32}$';
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 1024;

export const Username = Type.String({
  pattern: USERNAME_PATTERN,
  description: '3–32 characters of a-z 0-9 _ . -',
});
export const Password = Type.String({
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  description: 'at least 10 characters',
});
export const DisplayName = Type.String({ minLength: 1, maxLength: 100 });
export const ProjectRole = Type.Union([
  Type.Literal('owner'),
  Type.Literal('editor'),
  Type.Literal('viewer'),
]);
export type ProjectRole = Static<typeof ProjectRole>;

export const SignupBody = strict({
  username: Username,
  password: Password,
  name: Type.Optional(DisplayName),
});
export type SignupBody = Static<typeof SignupBody>;

export const CreateUserBody = strict({
  username: Username,
  password: Password,
  name: Type.Optional(DisplayName),
  admin: Type.Optional(Type.Boolean()),
});
export type CreateUserBody = Static<typeof CreateUserBody>;

/** Login takes any strings: a wrong username or password is 401, never a hint about the rules. */
export const LoginBody = strict({
  username: Type.String({ minLength: 1, maxLength: 200 }),
  password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
});
export type LoginBody = Static<typeof LoginBody>;

export const CreateTokenBody = strict({ name: Type.String({ minLength: 1, maxLength: 100 }) });
export const TokenParams = strict({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const MemberBody = strict({
  username: Type.String({ minLength: 1, maxLength: 200 }),
  role: ProjectRole,
});
export type MemberBody = Static<typeof MemberBody>;
export const MemberParams = strict({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  username: Type.String({ minLength: 1, maxLength: 200 }),
});

export const User = open({
  id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  admin: Type.Boolean(),
});

export const AccountAnswers = {
  authStatus: open({
    auth: Type.Boolean(),
    signup: Type.Optional(Type.Union([Type.Literal('first'), Type.Literal('open')])),
    first_account: Type.Optional(
      Type.Boolean({ description: 'no account exists yet: the next sign-up makes the administrator' }),
    ),
  }),
  user: open({ user: User }),
  login: open({ token: Type.String(), user: User, expires_at: Type.String() }),
  tokenCreated: open(
    { id: Type.String(), token: Type.String(), name: Type.String(), created_at: Type.String() },
    'The token is shown this once; the server keeps only its hash',
  ),
  tokens: open({
    tokens: Type.Array(
      open({
        id: Type.String(),
        name: Type.String(),
        created_at: Type.String(),
        last_used_at: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  }),
  members: open({
    members: Type.Array(open({ username: Type.String(), name: Type.String(), role: ProjectRole })),
  }),
  member: open({ username: Type.String(), role: ProjectRole }),
} as const;
