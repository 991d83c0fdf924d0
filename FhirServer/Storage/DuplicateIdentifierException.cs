namespace FhirServer.Storage;

/// <summary>
/// A write would give a resource an identifier that <paramref name="holderId"/> (another resource of the type, stored
/// or written earlier in the same transaction) already has.
/// </summary>
public sealed class DuplicateIdentifierException(string type, string id, string system, string value, string holderId)
    : Exception($"{type}/{holderId} already has the identifier {system}|{value}; {type}/{id} cannot have it too")
{
    public string Type => type;
    public string Id => id;
    public string System => system;
    public string Value => value;
    public string HolderId => holderId;
}
