using FhirServer.Conformance.Search;

namespace FhirServer.Storage;

/// <summary>
/// An identifier (system and value) that no other resource of the same type may hold (<c>Server:UniqueIdentifiers</c>,
/// such as a Patient's INS). Passed to the store beside the search index rows of a write; the store keeps it in
/// <c>unique_identifier</c>, whose primary key refuses a second holder in every process on the database
/// (<see cref="UniqueIdentifierRows"/>). Not a search index row: searches by identifier use <c>search_token</c>.
/// </summary>
public sealed record UniqueIdentifierIndex(string System, string Value) : IndexValue;
