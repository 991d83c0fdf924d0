namespace FhirServer.Profiles;

/// <summary>Anchor for the profiles assembly: the French identifier rules (Identifiers/) and, next, the validator (StructureDefinition → compiled schema; docs/validation.md).</summary>
public static class ProfilesAssembly;
