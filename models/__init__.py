"""waefader models: data, features, the WAE family, the Fader discriminator, the MCNN,
training and evaluation (torch). Nothing here knows about audio devices."""
