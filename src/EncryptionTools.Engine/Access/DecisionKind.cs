namespace EncryptionTools.Engine.Access;

public enum DecisionKind
{
    Allowed,
    /// <summary>A Deny statement applies: nothing can override it.</summary>
    ExplicitDeny,
    /// <summary>No statement or grant allows the request.</summary>
    ImplicitDeny,
}
