"""The modelling language: variables, expressions, actions, the clock, designs and knobs."""
